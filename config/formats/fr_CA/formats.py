"""Québec French: "13 h 40". Django's own fr_CA formats write the "h" unescaped ("H\xa0h\xa0i"),
which the date syntax reads as the hour again ("13 01 40"); every other format is Django's."""

TIME_FORMAT = "H\xa0\\h\xa0i"
DATETIME_FORMAT = "j F Y, H\xa0\\h\xa0i"
SHORT_DATETIME_FORMAT = "Y-m-d H\xa0\\h\xa0i"
