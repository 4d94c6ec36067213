from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "brm.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
