"""Transactional outbox: a task is a row written in the business write's own transaction.

`outbox_enqueue(task, *args)` (tenants/outbox/services.py) is how services schedule background
work: the row commits or rolls back with the write, is handed to the broker right after the
commit, and stays pending when the broker is down; the `outbox.sweep` beat task sends what is
pending in every schema, every minute. Consumers remove the row when the task's work is done, so
a message delivered twice (sent, then its "sent" mark lost, or re-sent by the sweep) runs once.

The app is in SHARED_APPS and TENANT_APPS: each tenant schema has its own table (written in the
tenant's transactions), and the public schema one for platform work (billing).
"""
