{{/* Names */}}
{{- define "samverka.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "samverka.fullname" -}}
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

{{- define "samverka.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "samverka.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels; call with (dict "root" $ "component" "web") */}}
{{- define "samverka.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "samverka.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: samverka
{{- end -}}

{{- define "samverka.selectorLabels" -}}
app.kubernetes.io/name: {{ include "samverka.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "samverka.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The existing Secret with URLs, keys and passwords (never created by this chart) */}}
{{- define "samverka.secretName" -}}
{{- default (include "samverka.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* A value from the existing Secret: (dict "root" $ "name" "SAMVERKA_X" "key" "k") */}}
{{- define "samverka.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "samverka.secretName" .root }}
      key: {{ .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end -}}

{{/* Environment of every Samverka container; (dict "root" $ "owner" true) adds the owner URL */}}
{{- define "samverka.env" -}}
{{- $v := .root.Values -}}
- name: SAMVERKA_ENV
  value: {{ $v.env | quote }}
- name: SAMVERKA_LOG_FORMAT
  value: {{ $v.logFormat | quote }}
- name: SAMVERKA_LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: SAMVERKA_DEFAULT_LOCALE
  value: {{ $v.defaultLocale | quote }}
- name: SAMVERKA_TRUSTED_PROXIES
  value: {{ $v.trustedProxies | quote }}
- name: SAMVERKA_SESSION_COOKIE_SECURE
  value: "true"
- name: SAMVERKA_INSTANCE_PATH
  value: /var/lib/samverka
- name: PROMETHEUS_MULTIPROC_DIR
  value: /tmp/prometheus
{{- if $v.metrics.enabled }}
- name: SAMVERKA_METRICS_PORT
  value: {{ $v.metrics.port | quote }}
{{- end }}
{{- range $name, $value := $v.extraEnv }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{ include "samverka.secretEnv" (dict "root" .root "name" "SAMVERKA_DATABASE_URL" "key" $v.secrets.databaseUrlKey) }}
{{- if .owner }}
{{ include "samverka.secretEnv" (dict "root" .root "name" "SAMVERKA_DATABASE_OWNER_URL" "key" $v.secrets.databaseOwnerUrlKey) }}
{{- end }}
{{ include "samverka.secretEnv" (dict "root" .root "name" "SAMVERKA_REDIS_URL" "key" $v.secrets.redisUrlKey) }}
{{ include "samverka.secretEnv" (dict "root" .root "name" "SAMVERKA_SECRET_KEY" "key" $v.secrets.secretKeyKey) }}
{{ include "samverka.secretEnv" (dict "root" .root "name" "SAMVERKA_ENCRYPTION_KEYS" "key" $v.secrets.encryptionKeysKey) }}
{{- range $name, $key := $v.secrets.optional }}
{{ include "samverka.secretEnv" (dict "root" $.root "name" $name "key" $key "optional" true) }}
{{- end }}
{{- end -}}

{{/* Writable paths on a read-only root filesystem */}}
{{- define "samverka.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: instance
  mountPath: /var/lib/samverka
{{- end -}}

{{- define "samverka.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: instance
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ include "samverka.claimName" . }}
{{- else }}
  emptyDir:
    sizeLimit: 1Gi
{{- end }}
{{- end -}}

{{/* The claim holding the shared files (exports, attachments) */}}
{{- define "samverka.claimName" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-files" (include "samverka.fullname" .)) -}}
{{- end -}}

{{/* Pod-level settings shared by every workload */}}
{{- define "samverka.podSpec" -}}
serviceAccountName: {{ include "samverka.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
