{{/*
The pod template both roles share; call with (dict "root" $ "role" "web"|"worker").
*/}}
{{- define "flightdeck.podTemplate" -}}
{{- $root := .root -}}
metadata:
  labels:
    {{- include "flightdeck.selectorLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
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
  {{- include "flightdeck.podSpec" . | nindent 2 }}
{{- end -}}

{{/*
A pod's spec; call with (dict "root" $ "role" "web"|"worker"|"doctor"). The doctor (the Helm test) is a worker
that runs `flightdeck doctor` once instead of serving. The securityContext is fixed, not a value: the
reference checklists require it for every workload.
*/}}
{{- define "flightdeck.podSpec" -}}
{{- $root := .root -}}
{{- $role := .role -}}
{{- /* Only workers talk to clusters: the web role gets neither a token nor the kubeconfig. */}}
{{- $worker := ne $role "web" -}}
{{- $kubeconfig := and $worker $root.Values.kubeconfig.secretName -}}
{{- $ca := include "flightdeck.caBundle" $root }}
serviceAccountName: {{ if $worker }}{{ include "flightdeck.serviceAccountName" $root }}{{ else }}{{ include "flightdeck.webServiceAccountName" $root }}{{ end }}
automountServiceAccountToken: {{ $worker }}
{{- if eq $role "doctor" }}
restartPolicy: Never
{{- else }}
terminationGracePeriodSeconds: {{ $root.Values.terminationGracePeriodSeconds }}
{{- end }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
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
    args: [{{ ternary "doctor" "serve" (eq $role "doctor") | quote }}]
    {{- if ne $role "doctor" }}
    ports:
      - name: http
        containerPort: {{ $root.Values.containerPort }}
        protocol: TCP
    {{- end }}
    env:
      {{- include "flightdeck.env" . | nindent 6 }}
    {{- if ne $role "doctor" }}
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
    {{- end }}
    resources:
      {{- toYaml (index $root.Values (ternary "web" "worker" (eq $role "web"))).resources | nindent 6 }}
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
      {{- if $ca }}
      - name: ca-bundle
        mountPath: /etc/flightdeck-ca
        readOnly: true
      {{- end }}
      {{- /* Read-only unless the mount says otherwise: the root filesystem is read-only for a reason. */}}
      {{- range $root.Values.extraVolumeMounts }}
      {{- $mount := dict "readOnly" true }}
      {{- range $k, $v := . }}{{ $_ := set $mount $k $v }}{{ end }}
      - {{- toYaml $mount | nindent 8 }}
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
  {{- if $ca }}
  - name: ca-bundle
    {{- $key := $root.Values.caBundle.key }}
    {{- if $root.Values.caBundle.secretName }}
    secret:
      secretName: {{ $root.Values.caBundle.secretName }}
      items: [{ key: {{ $key }}, path: {{ $key }} }]
    {{- else }}
    configMap:
      name: {{ $root.Values.caBundle.configMapName | default (printf "%s-ca" (include "flightdeck.fullname" $root)) }}
      items: [{ key: {{ $key }}, path: {{ $key }} }]
    {{- end }}
  {{- end }}
  {{- with $root.Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
