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
MEDIA_STORAGE: {{ .Values.media.storage | quote }}
{{- if eq .Values.media.storage "s3" }}
{{- $s3 := .Values.media.s3 }}
S3_BUCKET: {{ required "media.s3.bucket is required when media.storage is s3" $s3.bucket | quote }}
S3_ENDPOINT_URL: {{ $s3.endpointUrl | quote }}
S3_REGION: {{ $s3.region | quote }}
S3_ADDRESSING_STYLE: {{ $s3.addressingStyle | quote }}
S3_SIGNED_URL_SECONDS: {{ $s3.signedUrlSeconds | quote }}
S3_PUBLIC_BASE_URL: {{ $s3.publicBaseUrl | quote }}
{{- end }}
TENANT_EXPORT_DIR: {{ .Values.exports.path | quote }}
TENANT_ROUTING_CACHE_SECONDS: {{ .Values.config.routingCacheSeconds | quote }}
PLATFORM_CNAME_TARGET: {{ .Values.config.platformCnameTarget | quote }}
DNS_RESOLVER_NAMESERVERS: {{ .Values.config.dnsResolverNameservers | quote }}
TENANT_MULTIPROCESSING_MAX_PROCESSES: {{ .Values.migrations.processes | quote }}
DATABASE_CONN_MAX_AGE: {{ .Values.database.connMaxAge | quote }}
DATABASE_POOL_MODE: {{ ternary .Values.database.pgbouncer.poolMode "direct" .Values.database.pgbouncer.enabled | quote }}
{{- if .Values.metrics.enabled }}
METRICS_PORT: {{ .Values.metrics.port | quote }}
{{- /* Every interface of the pod: Prometheus scrapes the pod's address (the app's default is
loopback only). The NetworkPolicies let only the monitoring namespace reach this port. */}}
METRICS_ADDRESS: "0.0.0.0"
{{- end }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Credentials from the existing Secret. */}}
{{- define "entraide.secretEnv" -}}
{{- include "entraide.secretEnvOf" (list . false) }}
{{- end -}}

{{/* The same, for the migrations Job: (list . true) reads DATABASE_URL from the direct
PostgreSQL URL's key when the app goes through PgBouncer. */}}
{{- define "entraide.secretEnvOf" -}}
{{- $root := index . 0 -}}
{{- $direct := and (index . 1) $root.Values.database.pgbouncer.enabled -}}
{{- with $root -}}
{{- $secret := .Values.secrets.existingSecret -}}
{{- range $key := list "secretKey" "databaseUrl" "redisUrl" "encryptionKeys" }}
- name: {{ index $root.Values.secrets.keys $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      {{- if and $direct (eq $key "databaseUrl") }}
      key: {{ $root.Values.database.pgbouncer.directDatabaseUrlKey }}
      {{- else }}
      key: {{ index $root.Values.secrets.keys $key }}
      {{- end }}
{{- end }}
{{- range $key, $name := .Values.secrets.optionalKeys }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $name }}
      optional: true
{{- end }}
{{- include "entraide.s3SecretEnv" . }}
{{- end }}
{{- end -}}

{{/* The S3 keys, when media is on S3 and the keys come from a Secret. */}}
{{- define "entraide.s3SecretEnv" -}}
{{- $credentials := .Values.media.s3.credentials -}}
{{- if and (eq .Values.media.storage "s3") $credentials.fromSecret }}
{{- $secret := default .Values.secrets.existingSecret $credentials.existingSecret }}
- name: S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $credentials.accessKeyIdKey }}
- name: S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $credentials.secretAccessKeyKey }}
{{- end }}
{{- end -}}

{{/* Everything a pod of the app needs in its environment. */}}
{{- define "entraide.envFrom" -}}
- configMapRef:
    name: {{ include "entraide.fullname" . }}-config
{{- end -}}

{{/* Pod template annotations shared by web, worker and beat: the pods roll when the ConfigMap
or the Secret(s) change. The Secrets are read with `lookup` (at install/upgrade; empty with
`helm template`) together with secrets.revision, which operators change to force a roll. */}}
{{- define "entraide.checksums" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- $names := list .Values.secrets.existingSecret }}
{{- if and (eq .Values.media.storage "s3") .Values.media.s3.credentials.fromSecret .Values.media.s3.credentials.existingSecret }}
{{- $names = append $names .Values.media.s3.credentials.existingSecret }}
{{- end }}
{{- $data := dict "revision" .Values.secrets.revision }}
{{- range $names }}
{{- $found := lookup "v1" "Secret" $.Release.Namespace . }}
{{- $_ := set $data . (default (dict) (get (default (dict) $found) "data")) }}
{{- end }}
checksum/secret: {{ $data | toJson | sha256sum }}
{{- end -}}

{{/* Pod annotations for annotation-based Prometheus scraping (web and worker). */}}
{{- define "entraide.metricsAnnotations" -}}
{{- if and .Values.metrics.enabled .Values.metrics.podAnnotations -}}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.metrics.port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}

{{/* Topology spread of one component: include "entraide.topologySpread" (list . "web") */}}
{{- define "entraide.topologySpread" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $constraints := (index $root.Values $component).topologySpread -}}
{{- if $constraints }}
topologySpreadConstraints:
{{- range $constraints }}
  - topologyKey: {{ .topologyKey }}
    maxSkew: {{ .maxSkew }}
    whenUnsatisfiable: {{ .whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "entraide.selectorLabels" (list $root $component) | nindent 8 }}
    matchLabelKeys:
      - pod-template-hash
{{- end }}
{{- end }}
{{- end -}}

{{- define "entraide.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if ne .Values.media.storage "s3" }}
- name: media
{{- if .Values.media.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.media.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
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
{{- if ne .Values.media.storage "s3" }}
- name: media
  mountPath: {{ .Values.config.mediaRoot }}
{{- end }}
- name: exports
  mountPath: {{ .Values.exports.path }}
{{- end -}}

{{/* prometheus_client's multiprocess files: an emptyDir of their own, fresh for each pod. */}}
{{- define "entraide.metricsVolume" -}}
{{- if .Values.metrics.enabled -}}
- name: prometheus-multiproc
  emptyDir: {}
{{- end }}
{{- end -}}

{{- define "entraide.metricsVolumeMount" -}}
{{- if .Values.metrics.enabled -}}
- name: prometheus-multiproc
  mountPath: /app/var/prometheus
{{- end }}
{{- end -}}

{{- define "entraide.metricsEnv" -}}
{{- if .Values.metrics.enabled -}}
- name: PROMETHEUS_MULTIPROC_DIR
  value: /app/var/prometheus
{{- end }}
{{- end -}}

{{- define "entraide.metricsPort" -}}
{{- if .Values.metrics.enabled -}}
- name: metrics
  containerPort: {{ .Values.metrics.port }}
  protocol: TCP
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget's minAvailable or maxUnavailable (one of them). */}}
{{- define "entraide.disruptionBudget" -}}
{{- if hasKey . "maxUnavailable" }}
maxUnavailable: {{ .maxUnavailable }}
{{- else }}
minAvailable: {{ .minAvailable }}
{{- end }}
{{- end -}}

{{/* The migrations Job's environment: the settings inline (its ConfigMap may not exist yet),
straight to PostgreSQL (never through PgBouncer: session locks, minutes-long transactions). */}}
{{- define "entraide.migrationsEnv" -}}
{{- range $name, $value := (include "entraide.configData" . | fromYaml) }}
{{- if ne $name "DATABASE_POOL_MODE" }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
- name: DATABASE_POOL_MODE
  value: "direct"
{{- include "entraide.secretEnvOf" (list . true) }}
{{- end -}}

{{/* NetworkPolicy egress rules ------------------------------------------------------------- */}}

{{/* One egress rule to a target of networkPolicy.egress ({ports, to}); no `to`: any address on
those ports. */}}
{{- define "entraide.egressRule" -}}
- ports:
    {{- range .ports }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
  {{- with .to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{- define "entraide.egressDns" -}}
{{- $dns := .Values.networkPolicy.dns -}}
- to:
    {{- toYaml $dns.to | nindent 4 }}
  ports:
    - protocol: UDP
      port: {{ $dns.port }}
    - protocol: TCP
      port: {{ $dns.port }}
{{- end -}}

{{/* HTTPS to services outside the cluster (Stripe, identity providers, geocoders, Sentry). */}}
{{- define "entraide.egressHttps" -}}
{{- $https := .Values.networkPolicy.egress.https -}}
{{- if or $https.allowAll $https.cidrs }}
- ports:
    - protocol: TCP
      port: 443
  to:
    {{- if $https.allowAll }}
    - ipBlock:
        cidr: 0.0.0.0/0
        {{- if $https.exceptPrivateRanges }}
        # Private, shared and link-local ranges (the cluster, cloud metadata) stay closed.
        except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.0.0/16]
        {{- end }}
    - ipBlock:
        cidr: ::/0
        {{- if $https.exceptPrivateRanges }}
        except: ["fc00::/7", "fe80::/10"]
        {{- end }}
    {{- else }}
    {{- range $https.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
    {{- end }}
{{- end }}
{{- end -}}

{{/* What web, worker and beat may reach: include "entraide.egressApp" (list . "web") */}}
{{- define "entraide.egressApp" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $egress := $root.Values.networkPolicy.egress -}}
{{- include "entraide.egressDns" $root }}
{{ include "entraide.egressRule" $egress.database }}
{{ include "entraide.egressRule" $egress.redis }}
{{- if ne $component "beat" }}
{{- if $root.Values.config.emailHost }}
{{ include "entraide.egressRule" $egress.smtp }}
{{- end }}
{{- if eq $root.Values.media.storage "s3" }}
{{ include "entraide.egressRule" $egress.s3 }}
{{- end }}
{{- end }}
{{- include "entraide.egressHttps" $root }}
{{- with $egress.extra }}
{{ toYaml . }}
{{- end }}
{{- end -}}


{{/* The edge's Caddyfile (templates/edge.yaml). */}}
{{- define "entraide.edgeCaddyfile" -}}
{{- $edge := .Values.edge -}}
{{- $web := printf "http://%s-web.%s.svc:%d" (include "entraide.fullname" .) .Release.Namespace (int .Values.web.service.port) -}}
{
  admin off
  # Unprivileged ports (the Service maps 80 and 443 to them).
  http_port 8080
  https_port 8443
  email {{ required "edge.acmeEmail is required when edge.enabled" $edge.acmeEmail }}
  {{- with $edge.acmeCA }}
  acme_ca {{ . }}
  {{- end }}
  storage file_system /data
  # A certificate is obtained only for the names the app answers 200 for (tenants/tls.py).
  on_demand_tls {
    ask {{ $web }}/tls-ask
  }
  log {
    format json
  }
}

https:// {
  tls {
    on_demand
  }
  reverse_proxy {{ $web }}
}

http:// {
  redir https://{host}{uri} 308
}
{{- end -}}
