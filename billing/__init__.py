"""Billing: plans, entitlements and Stripe.

The only app that talks to Stripe (through `stripe_client.py`). It decides what a tenant may use
(`entitlements.py`) and keeps the tenant's subscription state in line with Stripe.
"""
