"""Alertmanager's configuration: routes by severity to the receivers `alerting.*` configures.

The configuration holds no credential: the SMTP password and the Slack webhook are files of a second Secret,
which Alertmanager mounts (`alertmanagerSpec.secrets`) and reads with `*_file` keys. With no receiver, alerts are
grouped into the `null` receiver and stay visible in Alertmanager's UI.

* critical: Slack and e-mail; warning: Slack, and e-mail unless `alerting.critical_only_to_email`;
* `Watchdog` (kube-prometheus-stack's always-firing alert) goes nowhere; it proves the pipeline in the UI;
* a critical alert silences the warning of the same name and labels (VolumeFull over VolumeFillingUp).
"""

from __future__ import annotations

from typing import Any

import yaml

from components.platform.settings.observability import AlertingSettings

RECEIVERS_SECRET = "alertmanager-receivers"
"""The Secret with the receivers' credentials (keys SMTP_PASSWORD_KEY, SLACK_WEBHOOK_KEY)."""
SMTP_PASSWORD_KEY = "smtp-password"
SLACK_WEBHOOK_KEY = "slack-webhook"
NULL = "null"


def alertmanager_config(alerting: AlertingSettings, *, secrets_dir: str) -> str:
    """`alertmanager.yaml`; `secrets_dir` is where the receivers' Secret is mounted."""
    config: dict[str, Any] = {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": NULL,
            "group_by": ["alertname", "namespace", "severity"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": [{"matchers": ['alertname = "Watchdog"'], "receiver": NULL}],
        },
        "inhibit_rules": [
            {
                "source_matchers": ['severity = "critical"'],
                "target_matchers": ['severity = "warning"'],
                "equal": ["namespace", "persistentvolumeclaim", "pod"],
            }
        ],
        "receivers": [{"name": NULL}],
    }
    if alerting.email:
        smtp: dict[str, Any] = {"smtp_smarthost": alerting.smtp_smarthost, "smtp_from": alerting.email_from, "smtp_require_tls": True}
        if alerting.smtp_username:
            smtp["smtp_auth_username"] = alerting.smtp_username
            smtp["smtp_auth_password_file"] = f"{secrets_dir}/{SMTP_PASSWORD_KEY}"
        config["global"].update(smtp)
    for severity in ("critical", "warning"):
        receiver = _receiver(alerting, severity, secrets_dir)
        if receiver is not None:
            config["receivers"].append(receiver)
            config["route"]["routes"].append({"matchers": [f'severity = "{severity}"'], "receiver": receiver["name"]})
    return yaml.safe_dump(config, sort_keys=False)


def _receiver(alerting: AlertingSettings, severity: str, secrets_dir: str) -> dict[str, Any] | None:
    receiver: dict[str, Any] = {"name": severity}
    if alerting.slack:
        receiver["slack_configs"] = [
            {
                "api_url_file": f"{secrets_dir}/{SLACK_WEBHOOK_KEY}",
                "channel": alerting.slack_channel,
                "send_resolved": True,
                "title": '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}',
                "text": "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }}\n{{ end }}",
            }
        ]
    if alerting.email and (severity == "critical" or not alerting.critical_only_to_email):
        receiver["email_configs"] = [{"to": ", ".join(alerting.email_to), "send_resolved": True}]
    return receiver if len(receiver) > 1 else None
