{{/*
The container's environment: one value of the chart for every variable flightdeck reads (src/config/load-env.ts;
test/helm/chart-env.test.ts fails when the code reads one the chart cannot set). Call with
(dict "root" $ "role" "web"|"worker"|"doctor"); the doctor test runs with the worker's environment.
Secrets only ever come from secretKeyRef.
*/}}
{{- define "flightdeck.env" -}}
{{- $root := .root -}}
{{- $worker := ne .role "web" -}}
{{- $secret := include "flightdeck.secretName" $root -}}
- name: FLIGHTDECK_ROLE
  value: {{ ternary "worker" "web" $worker }}
- name: PORT
  value: {{ $root.Values.containerPort | quote }}
- name: LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: FLIGHTDECK_CONFIG
  value: /etc/flightdeck/flightdeck.yaml
- name: FLIGHTDECK_CHECKLISTS
  value: /etc/flightdeck/checklists
- name: REDIS_PREFIX
  value: {{ $root.Values.redis.prefix | default $root.Release.Name | quote }}
- name: FLIGHTDECK_INSTALLATION
  value: {{ printf "%s/%s" $root.Release.Namespace $root.Release.Name | quote }}
{{- with $root.Values.slack.apiUrl }}
- name: SLACK_API_URL
  value: {{ . | quote }}
{{- end }}
- name: MESSAGE_LAG_BOUND_MS
  value: {{ $root.Values.runs.messageLagBoundMs | quote }}
- name: RUN_RETENTION_DAYS
  value: {{ $root.Values.runs.retentionDays | quote }}
{{- with $root.Values.runs.checklistDurationCap }}
- name: CHECKLIST_DURATION_CAP
  value: {{ . | quote }}
{{- end }}
- name: AUDIT_MAX_ENTRIES
  value: {{ $root.Values.audit.maxEntries | quote }}
- name: AUDIT_REFUSALS_PER_MINUTE
  value: {{ $root.Values.audit.refusalsPerMinute | quote }}
- name: AUDIT_ARCHIVE_DAYS
  value: {{ $root.Values.audit.archiveDays | quote }}
{{- with $root.Values.proxy }}
{{- with .https }}
- name: HTTPS_PROXY
  value: {{ . | quote }}
{{- end }}
{{- with .http }}
- name: HTTP_PROXY
  value: {{ . | quote }}
{{- end }}
{{- with .noProxy }}
- name: NO_PROXY
  value: {{ . | quote }}
{{- end }}
{{- end }}
- name: PAGERDUTY_EVENTS_SERVER
  value: {{ $root.Values.pagerduty.eventsServer | quote }}
- name: PAGERDUTY_API_URL
  value: {{ $root.Values.pagerduty.apiUrl | quote }}
{{- if include "flightdeck.caBundle" $root }}
- name: NODE_EXTRA_CA_CERTS
  value: /etc/flightdeck-ca/{{ $root.Values.caBundle.key }}
{{- if $root.Values.caBundle.pagerduty }}
- name: PAGERDUTY_CA_FILE
  value: /etc/flightdeck-ca/{{ $root.Values.caBundle.key }}
{{- end }}
{{- end }}
{{- if $worker }}
- name: WORKER_CONCURRENCY
  value: {{ $root.Values.worker.concurrency | quote }}
- name: WORKER_LOCK_MS
  value: {{ $root.Values.worker.lockMs | quote }}
- name: RECONCILE_INTERVAL_MS
  value: {{ $root.Values.worker.reconcileIntervalMs | quote }}
- name: K8S_REQUEST_TIMEOUT_MS
  value: {{ $root.Values.kubernetes.requestTimeoutMs | quote }}
{{- with $root.Values.probes.connectTo }}
- name: PROBE_CONNECT_TO
  value: {{ . | quote }}
{{- end }}
{{- if $root.Values.kubeconfig.secretName }}
- name: KUBECONFIG
  value: /etc/flightdeck-kube/{{ $root.Values.kubeconfig.key }}
{{- end }}
{{- end }}
- name: SLACK_BOT_TOKEN
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: slack-bot-token }
{{- if and (eq .role "web") (eq $root.Values.slack.mode "http") }}
- name: SLACK_SIGNING_SECRET
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: slack-signing-secret }
{{- end }}
{{- if and (eq .role "web") (eq $root.Values.slack.mode "socket") }}
- name: SLACK_APP_TOKEN
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: slack-app-token }
{{- end }}
{{- if eq .role "web" }}
- name: API_REQUESTS_PER_MINUTE
  value: {{ $root.Values.api.requestsPerMinute | quote }}
{{- /* Optional: without the key the API answers 401 to everyone, as with no token configured. */}}
- name: API_TOKENS
  valueFrom:
    secretKeyRef: { name: {{ $root.Values.api.tokens.secretName | default $secret }}, key: {{ $root.Values.api.tokens.key }}, optional: true }
{{- end }}
- name: PAGERDUTY_API_TOKEN
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: pagerduty-token, optional: true }
- name: REDIS_URL
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: redis-url }
{{- if $worker }}
{{- /* Only workers page; a key missing from its Secret leaves that service unpaged, as an unset variable does. */}}
{{- range $root.Values.pagerduty.routingKeys }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef: { name: {{ .secretName | default $secret }}, key: {{ .key }}, optional: true }
{{- end }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
