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

{{/* "true" when a CA bundle is configured (empty otherwise); refuses more than one source. */}}
{{- define "flightdeck.caBundle" -}}
{{- $ca := .Values.caBundle -}}
{{- $sources := compact (list $ca.pem $ca.configMapName $ca.secretName) -}}
{{- if gt (len $sources) 1 -}}
{{- fail "caBundle: set only one of pem, configMapName and secretName" -}}
{{- end -}}
{{- if $sources }}true{{ end -}}
{{- end -}}

{{/* The catalog as mounted: config.catalog rendered with tpl, so it may name {{ .Release.Namespace }}. */}}
{{- define "flightdeck.catalog" -}}
{{- tpl (required "config.catalog is required: the flightdeck.yaml catalog" .Values.config.catalog) . -}}
{{- end -}}

{{/*
Where the Roles go, comma-separated: rbac.targetNamespaces, else every namespace the catalog deploys to on the
cluster flightdeck runs in (environments whose cluster is `in-cluster`, with per-environment overrides), else
the release namespace. So by default the Role is exactly where the catalog's in-cluster services live.
*/}}
{{- define "flightdeck.targetNamespaces" -}}
{{- if .Values.rbac.targetNamespaces -}}
{{- .Values.rbac.targetNamespaces | uniq | join "," -}}
{{- else -}}
{{- $catalog := fromYaml (include "flightdeck.catalog" .) -}}
{{- $local := list -}}
{{- range $name, $environment := (get $catalog "environments" | default dict) -}}
{{- if eq (toString (get $environment "cluster")) "in-cluster" }}{{ $local = append $local $name }}{{ end -}}
{{- end -}}
{{- $namespaces := list -}}
{{- range $name, $service := (get $catalog "services" | default dict) -}}
{{- range $environment := (get $service "environments" | default list) -}}
{{- if has $environment $local -}}
{{- $override := get (get $service "overrides" | default dict) $environment | default dict -}}
{{- $namespaces = append $namespaces (get $override "namespace" | default (get $service "namespace")) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $namespaces | default (list .Release.Namespace) | uniq | sortAlpha | join "," -}}
{{- end -}}
{{- end -}}
