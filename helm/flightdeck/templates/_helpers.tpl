{{/* The chart name, overridable. */}}
{{- define "flightdeck.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: every object is named after it (63 characters at most, a DNS label). */}}
{{- define "flightdeck.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "flightdeck.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flightdeck.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flightdeck.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "flightdeck.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "flightdeck.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "flightdeck.secretName" -}}
{{- default (include "flightdeck.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* The worker's ServiceAccount: the one the Role is bound to. */}}
{{- define "flightdeck.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (printf "%s-worker" (include "flightdeck.fullname" .)) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The web role's ServiceAccount: bound to nothing. */}}
{{- define "flightdeck.webServiceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (printf "%s-web" (include "flightdeck.fullname" .)) .Values.serviceAccount.webName -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.webName -}}
{{- end -}}
{{- end -}}

{{/*
The pod spec both roles share; call with (dict "root" $ "role" "web"|"worker").
The securityContext is fixed, not a value: the reference checklists require it for every workload.
*/}}
{{- define "flightdeck.podTemplate" -}}
{{- $root := .root -}}
{{- $role := .role -}}
{{- $secret := include "flightdeck.secretName" $root -}}
metadata:
  labels:
    {{- include "flightdeck.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $role }}
    {{- with $root.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    {{- if not $root.Values.existingSecret }}
    checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
    {{- end }}
    {{- if $root.Values.metrics.podAnnotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ $root.Values.containerPort | quote }}
    prometheus.io/path: /metrics
    {{- end }}
    {{- with $root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- /* Only workers talk to clusters: the web role gets neither a token nor the kubeconfig. */}}
  {{- $worker := eq $role "worker" }}
  {{- $kubeconfig := and $worker $root.Values.kubeconfig.secretName }}
  serviceAccountName: {{ if $worker }}{{ include "flightdeck.serviceAccountName" $root }}{{ else }}{{ include "flightdeck.webServiceAccountName" $root }}{{ end }}
  automountServiceAccountToken: {{ $worker }}
  terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: flightdeck
      image: {{ include "flightdeck.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args: ["serve"]
      ports:
        - name: http
          containerPort: {{ $root.Values.containerPort }}
          protocol: TCP
      env:
        - name: FLIGHTDECK_ROLE
          value: {{ $role }}
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
        {{- if $root.Values.slack.apiUrl }}
        - name: SLACK_API_URL
          value: {{ $root.Values.slack.apiUrl | quote }}
        {{- end }}
        {{- if eq $role "worker" }}
        - name: WORKER_CONCURRENCY
          value: {{ $root.Values.worker.concurrency | quote }}
        {{- end }}
        {{- if $kubeconfig }}
        - name: KUBECONFIG
          value: /etc/flightdeck-kube/{{ $root.Values.kubeconfig.key }}
        {{- end }}
        - name: SLACK_BOT_TOKEN
          valueFrom:
            secretKeyRef: { name: {{ $secret }}, key: slack-bot-token }
        {{- if and (eq $role "web") (eq $root.Values.slack.mode "http") }}
        - name: SLACK_SIGNING_SECRET
          valueFrom:
            secretKeyRef: { name: {{ $secret }}, key: slack-signing-secret }
        {{- end }}
        {{- if and (eq $role "web") (eq $root.Values.slack.mode "socket") }}
        - name: SLACK_APP_TOKEN
          valueFrom:
            secretKeyRef: { name: {{ $secret }}, key: slack-app-token }
        {{- end }}
        - name: PAGERDUTY_API_TOKEN
          valueFrom:
            secretKeyRef: { name: {{ $secret }}, key: pagerduty-token, optional: true }
        - name: REDIS_URL
          valueFrom:
            secretKeyRef: { name: {{ $secret }}, key: redis-url }
        {{- with $root.Values.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      livenessProbe:
        httpGet: { path: /healthz, port: http }
        periodSeconds: 10
        timeoutSeconds: 3
        failureThreshold: 3
      readinessProbe:
        httpGet: { path: /readyz, port: http }
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 2
      startupProbe:
        httpGet: { path: /healthz, port: http }
        periodSeconds: 2
        failureThreshold: 30
      resources:
        {{- toYaml (index $root.Values $role).resources | nindent 8 }}
      securityContext:
        runAsNonRoot: true
        readOnlyRootFilesystem: true
        allowPrivilegeEscalation: false
        privileged: false
        capabilities:
          drop: ["ALL"]
        seccompProfile:
          type: RuntimeDefault
      volumeMounts:
        - name: config
          mountPath: /etc/flightdeck
          readOnly: true
        - name: tmp
          mountPath: /tmp
        {{- if $kubeconfig }}
        - name: kubeconfig
          mountPath: /etc/flightdeck-kube
          readOnly: true
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "flightdeck.fullname" $root }}
        items:
          - key: flightdeck.yaml
            path: flightdeck.yaml
          {{- range $name, $_ := $root.Values.config.checklists }}
          - key: checklist-{{ $name }}.yaml
            path: checklists/{{ $name }}.yaml
          {{- end }}
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
    {{- if $kubeconfig }}
    - name: kubeconfig
      secret:
        secretName: {{ $root.Values.kubeconfig.secretName }}
        items:
          - key: {{ $root.Values.kubeconfig.key }}
            path: {{ $root.Values.kubeconfig.key }}
    {{- end }}
  {{- with $root.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
