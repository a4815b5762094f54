{{/* Names and labels. */}}
{{- define "entraide.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "entraide.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "entraide.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "entraide.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "entraide.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "entraide.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: include "entraide.selectorLabels" (list . "web") */}}
{{- define "entraide.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "entraide.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "entraide.image" -}}
{{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end -}}

{{- define "entraide.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "entraide.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Plain settings, as key: value pairs (the ConfigMap, and the migrations Job inline). */}}
{{- define "entraide.configData" -}}
DJANGO_SETTINGS_MODULE: config.settings.production
BASE_DOMAIN: {{ .Values.config.baseDomain | quote }}
BASE_URL_SCHEME: "https"
BASE_PORT: "443"
DJANGO_ALLOWED_HOSTS: {{ .Values.config.allowedHosts | quote }}
DJANGO_CSRF_TRUSTED_ORIGINS: {{ .Values.config.csrfTrustedOrigins | quote }}
TRUSTED_PROXY_COUNT: {{ .Values.config.trustedProxyCount | quote }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
DEFAULT_FROM_EMAIL: {{ .Values.config.defaultFromEmail | quote }}
EMAIL_HOST: {{ .Values.config.emailHost | quote }}
EMAIL_PORT: {{ .Values.config.emailPort | quote }}
MEDIA_ROOT: {{ .Values.config.mediaRoot | quote }}
TENANT_EXPORT_DIR: {{ .Values.exports.path | quote }}
TENANT_ROUTING_CACHE_SECONDS: {{ .Values.config.routingCacheSeconds | quote }}
PLATFORM_CNAME_TARGET: {{ .Values.config.platformCnameTarget | quote }}
DNS_RESOLVER_NAMESERVERS: {{ .Values.config.dnsResolverNameservers | quote }}
TENANT_MULTIPROCESSING_MAX_PROCESSES: {{ .Values.migrations.processes | quote }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Credentials from the existing Secret. */}}
{{- define "entraide.secretEnv" -}}
{{- $secret := .Values.secrets.existingSecret -}}
{{- range $key := list "secretKey" "databaseUrl" "redisUrl" "encryptionKeys" }}
- name: {{ index $.Values.secrets.keys $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ index $.Values.secrets.keys $key }}
{{- end }}
{{- range $key, $name := .Values.secrets.optionalKeys }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $name }}
      optional: true
{{- end }}
{{- end -}}

{{/* Everything a pod of the app needs in its environment. */}}
{{- define "entraide.envFrom" -}}
- configMapRef:
    name: {{ include "entraide.fullname" . }}-config
{{- end -}}

{{- define "entraide.volumes" -}}
- name: tmp
  emptyDir: {}
- name: media
{{- if .Values.media.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.media.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: exports
{{- if .Values.exports.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.exports.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}

{{- define "entraide.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: media
  mountPath: {{ .Values.config.mediaRoot }}
- name: exports
  mountPath: {{ .Values.exports.path }}
{{- end -}}

{{/* Pods roll when the plain settings change. */}}
{{- define "entraide.configChecksum" -}}
{{ include "entraide.configData" . | sha256sum }}
{{- end -}}
