{{/*
The app name. Fixed, not overridable: the PodMonitor turns the pod label
app.kubernetes.io/name into job="newsflow", which every alert rule and
dashboard selects.
*/}}
{{- define "newsflow.name" -}}
{{- .Chart.Name -}}
{{- end -}}

{{/*
Resource names: fullnameOverride, else <release>-<nameOverride|newsflow>, or
the release name alone when it already contains that name.
*/}}
{{- define "newsflow.fullname" -}}
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

{{- define "newsflow.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Pod selector: the app and the release. */}}
{{- define "newsflow.selectorLabels" -}}
app.kubernetes.io/name: {{ include "newsflow.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "newsflow.labels" -}}
helm.sh/chart: {{ include "newsflow.chart" . }}
{{ include "newsflow.selectorLabels" . }}
app.kubernetes.io/component: processor
app.kubernetes.io/part-of: newsflow
app.kubernetes.io/version: {{ include "newsflow.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "newsflow.version" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{- define "newsflow.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (include "newsflow.version" .) -}}
{{- end -}}
{{- end -}}

{{- define "newsflow.brokers" -}}
{{- join "," .Values.kafka.brokers -}}
{{- end -}}

{{/* Where the Secrets are mounted in the container. */}}
{{- define "newsflow.saslDir" -}}/etc/newsflow/sasl{{- end -}}
{{- define "newsflow.tlsDir" -}}/etc/newsflow/tls{{- end -}}

{{/*
GOMEMLIMIT: goMemLimit, else 90% of limits.memory when that is written in Mi
or Gi, else nothing.
*/}}
{{- define "newsflow.goMemLimit" -}}
{{- if .Values.goMemLimit -}}
{{- .Values.goMemLimit -}}
{{- else -}}
{{- $limit := toString (dig "limits" "memory" "" .Values.resources) -}}
{{- if regexMatch "^[0-9]+Mi$" $limit -}}
{{- printf "%dMiB" (div (mul (atoi (trimSuffix "Mi" $limit)) 9) 10) -}}
{{- else if regexMatch "^[0-9]+Gi$" $limit -}}
{{- printf "%dMiB" (div (mul (atoi (trimSuffix "Gi" $limit)) 1024 9) 10) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* KEDA's name for a SASL mechanism. */}}
{{- define "newsflow.kedaSasl" -}}
{{- $m := .Values.kafka.sasl.mechanism -}}
{{- if eq $m "plain" -}}plaintext
{{- else if eq $m "scram-sha-256" -}}scram_sha256
{{- else -}}scram_sha512
{{- end -}}
{{- end -}}

{{/*
Checks that values.schema.json cannot express: they fail the render with a
message naming the values to fix.
*/}}
{{- define "newsflow.validate" -}}
{{- $t := .Values.topics -}}
{{- if or (eq $t.input $t.output) (eq $t.input $t.dlq) (eq $t.output $t.dlq) -}}
{{- fail (printf "topics.input, topics.output and topics.dlq must be three different topics (got %q, %q, %q)" $t.input $t.output $t.dlq) -}}
{{- end -}}
{{- $a := .Values.autoscaling -}}
{{- if $a.enabled -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) -}}
{{- fail (printf "autoscaling.minReplicas (%d) must not exceed autoscaling.maxReplicas (%d)" (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- end -}}
{{- if gt (int $a.maxReplicas) (int .Values.partitions) -}}
{{- fail (printf "autoscaling.maxReplicas (%d) must not exceed partitions (%d): pods beyond the input partitions sit idle in the consumer group" (int $a.maxReplicas) (int .Values.partitions)) -}}
{{- end -}}
{{- end -}}
{{- $tls := .Values.kafka.tls -}}
{{- if $tls.enabled -}}
{{- if and (or $tls.secret.caKey $tls.secret.certKey) (not $tls.secret.name) -}}
{{- fail "kafka.tls.secret.name is required when kafka.tls.secret.caKey or certKey is set (or clear caKey to trust the system roots)" -}}
{{- end -}}
{{- if ne (empty $tls.secret.certKey) (empty $tls.secret.keyKey) -}}
{{- fail "kafka.tls.secret.certKey and kafka.tls.secret.keyKey: both or neither (a client certificate needs its key)" -}}
{{- end -}}
{{- end -}}
{{- $managed := dict
  "brokers" "set kafka.brokers"
  "input" "set topics.input" "output" "set topics.output" "dlq" "set topics.dlq"
  "group" "set group" "guarantee" "set guarantee" "partitions" "set partitions"
  "shutdown-timeout" "set shutdownTimeoutSeconds (it also sizes the termination grace period)"
  "metrics-addr" "set service.port (the probes, Service and scrape settings follow it)"
  "instance" "each pod is named after itself"
  "config" "the chart passes the settings as environment variables"
  "sasl-mechanism" "set kafka.sasl" "sasl-username" "set kafka.sasl" "sasl-password-file" "set kafka.sasl.passwordSecret"
  "tls" "set kafka.tls" "tls-ca" "set kafka.tls.secret" "tls-cert" "set kafka.tls.secret" "tls-key" "set kafka.tls.secret"
  "tls-server-name" "set kafka.tls.serverName"
  "tls-insecure-skip-verify" "the chart does not offer it: it defeats TLS"
-}}
{{- range $flag, $_ := .Values.config -}}
{{- if hasKey $managed $flag -}}
{{- fail (printf "config.%s is not allowed: %s" $flag (get $managed $flag)) -}}
{{- end -}}
{{- end -}}
{{- if not (include "newsflow.goMemLimit" .) -}}
{{- fail (printf "resources.limits.memory %q is not in Mi or Gi: set goMemLimit (e.g. \"400MiB\")" (toString .Values.resources.limits.memory)) -}}
{{- end -}}
{{- end -}}
