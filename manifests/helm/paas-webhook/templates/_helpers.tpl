{{/* The app.kubernetes.io/name label of the webhook's pods and Service: nameOverride, else the chart's name. */}}
{{- define "paas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The objects' base name: fullnameOverride; else the release name when it holds the name (the
README's `helm install paas-webhook ...` gives "paas-webhook", as kustomize names them); else
<release>-<name>.
*/}}
{{- define "paas.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "paas.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The namespace of every namespaced object. */}}
{{- define "paas.namespace" -}}
{{- .Values.namespace.name | default .Release.Namespace -}}
{{- end -}}

{{/* Labels of every object: kustomize's part-of and Helm's own. */}}
{{- define "paas.labels" -}}
app.kubernetes.io/part-of: kubectl-paas
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/*
metadata.labels and metadata.annotations of an object: `extra` (the object's own labels) over
commonLabels over the chart's labels; `annotations` (the object's own) over commonAnnotations.
Called with (dict "root" $ "extra" (dict ...) "annotations" (dict ...)).
*/}}
{{- define "paas.metadata" -}}
{{- $root := .root -}}
{{- $labels := merge (dict) (.extra | default dict) ($root.Values.commonLabels | default dict) (include "paas.labels" $root | fromYaml) -}}
labels:
{{ toYaml $labels | indent 2 }}
{{- $annotations := merge (dict) (.annotations | default dict) ($root.Values.commonAnnotations | default dict) }}
{{- with $annotations }}
annotations:
{{ toYaml . | indent 2 }}
{{- end }}
{{- end -}}

{{/* The image reference: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "paas.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* An int-or-percent of paas.toml: a TOML integer, or a TOML string ("25%"). */}}
{{- define "paas.tomlIntOrString" -}}
{{- if kindIs "string" . }}{{ . | quote }}{{ else }}{{ . | int64 }}{{ end -}}
{{- end -}}

{{/* The same value as the API server's string() of an IntOrString gives it in CEL. */}}
{{- define "paas.celIntOrString" -}}
{{- if kindIs "string" . }}{{ . }}{{ else }}{{ . | int64 }}{{ end -}}
{{- end -}}

{{/* An int-or-percent of config.deploy as the MutatingAdmissionPolicy's CEL literal (core/policy/admission-cel.ts): dyn(1), dyn("25%"). */}}
{{- define "paas.celDyn" -}}
{{- if kindIs "string" . }}dyn({{ toRawJson . }}){{ else }}dyn({{ . | int64 }}){{ end -}}
{{- end -}}

{{/* readiness_probe_headers as the MutatingAdmissionPolicy's CEL list of [name, value] pairs, by
name as paas.toml lists them (templates/config.yaml); JSON's quoting is CEL's. */}}
{{- define "paas.celHeaders" -}}
{{- $pairs := list -}}
{{- range $name, $value := . }}{{ $pairs = append $pairs (printf "[%s, %s]" (toRawJson $name) (toRawJson $value)) }}{{ end -}}
{{- join ", " $pairs -}}
{{- end -}}

{{/* The namespaces of paas.toml's excluded_namespaces, as a TOML array: the webhook adds its own. */}}
{{- define "paas.tomlExcluded" -}}
{{- $ns := include "paas.namespace" . -}}
[{{ range $i, $n := without .Values.excludedNamespaces $ns }}{{ if $i }}, {{ end }}{{ $n | quote }}{{ end }}]
{{- end -}}

{{/* The namespaces neither the webhook nor the policy sees, the webhook's own last. */}}
{{- define "paas.excludedNamespaces" -}}
{{- $ns := include "paas.namespace" . -}}
{{- $list := without .Values.excludedNamespaces $ns -}}
[{{ join ", " (append $list $ns) }}]
{{- end -}}

{{/* What values.schema.json cannot express: the pair paas.toml itself refuses, and a companion
of the webhook asked for without one. */}}
{{- define "paas.validate" -}}
{{- $d := .Values.config.deploy -}}
{{- if and (eq .Values.mode "admission-policy") (semverCompare "<1.36.0-0" .Capabilities.KubeVersion.Version) -}}
{{- fail (printf "mode admission-policy: a MutatingAdmissionPolicy (admissionregistration.k8s.io/v1) needs Kubernetes >= 1.36, not %s (helm template: --kube-version)" .Capabilities.KubeVersion.Version) -}}
{{- end -}}
{{- if and (eq .Values.mode "admission-policy") .Values.validatingAdmissionPolicy.enabled -}}
{{- fail "validatingAdmissionPolicy.enabled: it refuses what the webhook would have fixed while the webhook is down; with mode admission-policy there is no webhook (the API server applies the policy itself): set it false" -}}
{{- end -}}
{{- if and (has (include "paas.celIntOrString" $d.surge) (list "0" "0%")) (has (include "paas.celIntOrString" $d.max_unavailable) (list "0" "0%")) -}}
{{- fail "config.deploy.max_unavailable: surge and max_unavailable cannot both be 0 (no rollout could make progress)" -}}
{{- end -}}
{{- end -}}
