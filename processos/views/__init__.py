"""The pages of the processos app for people (outside the admin): one module per page.

- `aprovacao`: the approval queue (`/aprovacao/`).
"""
