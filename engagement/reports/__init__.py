"""CSR reports and volunteering certificates.

- The CSR report (/gestion/rapports/, tenant admins): a calendar year's or a campaign's figures
  (hours, people, participations, organizations supported; by cause, UN Sustainable Development
  Goal, team, site and month), laid out in the B4SI framework (frame.py), as an HTML page, a PDF
  (WeasyPrint, charts as inline SVG), a CSV file and an XLSX workbook (exports.py).
- Certificates (/profil/certificat/): a volunteer's confirmed hours over a year or all time, as
  a PDF with a QR code to a public verification page (/certificats/<token>/) that shows what the
  certificate states, frozen when it was issued, until it is revoked.

What does not belong here: what a campaign counts (engagement.campaigns.selectors, used as it
is), the causes and their goals (engagement.taxonomy; goal names in sdg.py here).
"""
