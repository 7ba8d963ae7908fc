/**
 * The `_example` block of each ConfigMap Kedge installs in `knative-serving`: Knative keeps a map's
 * documentation in its `_example` key, so `kubectl edit cm …` shows every key with its default.
 * Parsers ignore `_example`; copy a line out of it, unindented, into `data` to change a setting.
 * Texts follow Knative's own config/core/configmaps/*.yaml, trimmed to what Kedge reads, and say where
 * Kedge differs.
 */
const HEADER = `################################
#                              #
#    EXAMPLE CONFIGURATION     #
#                              #
################################

# This block is not actually functional configuration,
# but serves to illustrate the available configuration
# options and document them in a way that is accessible
# to users that \`kubectl edit\` this config map.
#
# These sample configuration options may be copied out of
# this example block and unindented to be in the data block
# to actually change the configuration.
`;

const DOMAIN = `${HEADER}
# Default value for domain.
# Routes having the cluster domain suffix (by default 'svc.cluster.local')
# will not be exposed through Ingress. You can define your own label
# selector to assign that domain suffix to your Route here, or you can set
# the label
#    "networking.knative.dev/visibility=cluster-local"
# to achieve the same effect.  This shows how to make routes having
# the label app=secret only exposed to the local cluster.
svc.cluster.local: |
  selector:
    app: secret

# These are example settings of domain.
# example.com will be used for all routes, but it is the least-specific rule so it
# will only be used if no other domain matches.
example.com: |

# example.org will be used for routes having app=nonprofit.
example.org: |
  selector:
    app: nonprofit
`;

const AUTOSCALER = `${HEADER}
# The Revision ContainerConcurrency field specifies the maximum number
# of requests the Container can handle at once. Container concurrency
# target percentage is how much of that maximum to use in a stable
# state. E.g. if a Revision specifies ContainerConcurrency of 10, then
# the Autoscaler will try to maintain 7 concurrent connections per pod
# on average.
# Note: this limit will be applied to container concurrency set at every
# level (ConfigMap, Revision Spec or Annotation).
container-concurrency-target-percentage: "70"

# The container concurrency target default is what the Autoscaler will
# try to maintain when concurrency is used as the scaling metric for the
# Revision and the Revision specifies unlimited concurrency.
container-concurrency-target-default: "100"

# The requests per second (RPS) target default is what the Autoscaler will
# try to maintain when RPS is used as the scaling metric for a Revision.
requests-per-second-target-default: "200"

# The target burst capacity specifies the size of burst in concurrent
# requests that the system operator expects the system will receive.
# Autoscaler will try to protect the system from queueing by introducing
# Activator in the request path if the current spare capacity of the
# service is less than this setting.
# If this setting is 0, then Activator will be in the request path only
# when the revision is scaled to 0.
# If this setting is > 0 and container-concurrency-target-percentage is
# 100% or 1.0, then activator will always be in the request path.
# -1 denotes unlimited target-burst-capacity and activator will always
# be in the request path.
target-burst-capacity: "211"

# When operating in a stable mode, the autoscaler operates on the
# average concurrency over the stable window.
# Stable window must be in whole seconds.
stable-window: "60s"

# When observed average concurrency during the panic window reaches
# panic-threshold-percentage the target concurrency, the autoscaler
# enters panic mode. When operating in panic mode, the autoscaler
# scales on the average concurrency over the panic window which is
# panic-window-percentage of the stable-window.
panic-window-percentage: "10.0"

# The percentage of the container concurrency target at which to
# enter panic mode when reached within the panic window.
panic-threshold-percentage: "200.0"

# Max scale up rate limits the rate at which the autoscaler will
# increase pod count. It is the maximum ratio of desired pods versus
# observed pods.
max-scale-up-rate: "1000.0"

# Max scale down rate limits the rate at which the autoscaler will
# decrease pod count. It is the maximum ratio of observed pods versus
# desired pods.
max-scale-down-rate: "2.0"

# Scale to zero feature flag.
enable-scale-to-zero: "true"

# Scale to zero grace period is the time an inactive revision is left
# running before it is scaled to zero (must be positive, but recommended
# at least a few seconds if running with mesh networking).
scale-to-zero-grace-period: "30s"

# Scale to zero pod retention period defines the minimum amount
# of time the last pod will remain after Autoscaler has decided to
# scale to zero.
scale-to-zero-pod-retention-period: "0s"

# Scale down delay is the amount of time that must pass at reduced
# concurrency before a scale down decision is applied.
scale-down-delay: "0s"

# pod-autoscaler-class specifies the default pod autoscaler class
# that should be used if none is specified. Kedge runs the KPA;
# another class is accepted with a warning and scaled by the KPA.
pod-autoscaler-class: "kpa.autoscaling.knative.dev"

# The capacity of a single activator task. Kedge's activator lives in
# every gateway; this sets how many activators back a revision in
# proxy mode.
activator-capacity: "100.0"

# initial-scale is the cluster-wide default value for the initial target
# scale of a revision after creation, unless overridden by the
# "autoscaling.knative.dev/initial-scale" annotation.
# This value must be greater than 0 unless allow-zero-initial-scale is true.
initial-scale: "1"

# allow-zero-initial-scale controls whether either the cluster-wide initial-scale flag,
# or the "autoscaling.knative.dev/initial-scale" annotation, can be set to 0.
allow-zero-initial-scale: "false"

# min-scale is the cluster-wide default value for the min scale of a revision,
# unless overridden by the "autoscaling.knative.dev/min-scale" annotation.
min-scale: "0"

# max-scale is the cluster-wide default value for the max scale of a revision,
# unless overridden by the "autoscaling.knative.dev/max-scale" annotation.
# If set to 0, the revision has no maximum scale.
max-scale: "0"

# max-scale-limit sets the maximum permitted value for the max scale of a revision.
# When this is set to a positive value, a revision with a max-scale above that value
# (including a max-scale of "0" = unlimited) is disallowed.
# A value of zero (the default) allows any limit, including unlimited.
max-scale-limit: "0"
`;

const DEFAULTS = `${HEADER}
# revision-timeout-seconds contains the default number of
# seconds to use for the revision's per-request timeout, if
# none is specified.
revision-timeout-seconds: "300"  # 5 minutes

# max-revision-timeout-seconds contains the maximum number of
# seconds that can be used for revision-timeout-seconds.
max-revision-timeout-seconds: "600"  # 10 minutes

# revision-response-start-timeout-seconds contains the default number of
# seconds a request will be allowed to stay open while waiting to
# receive any bytes from the user's application, if none is specified.
# This defaults to 'revision-timeout-seconds'.
revision-response-start-timeout-seconds: "300"

# revision-idle-timeout-seconds contains the default number of
# seconds a request will be allowed to stay open while not receiving any
# bytes from the user's application, if none is specified.
revision-idle-timeout-seconds: "0"  # infinite

# revision-cpu-request contains the cpu allocation to assign
# to revisions by default.  If omitted, no value is specified
# and the system default is used.
revision-cpu-request: "400m"  # 0.4 of a CPU (aka 400 milli-CPU)

# revision-memory-request contains the memory allocation to assign
# to revisions by default.  If omitted, no value is specified
# and the system default is used. Kedge caps a guest's linear memory
# at the revision's memory limit.
revision-memory-request: "100M"  # 100 megabytes of memory

# revision-ephemeral-storage-request contains the ephemeral storage
# allocation to assign to revisions by default.
revision-ephemeral-storage-request: "500M"  # 500 megabytes of storage

# revision-cpu-limit contains the cpu allocation to limit
# revisions to by default.
revision-cpu-limit: "1000m"  # 1 CPU (aka 1000 milli-CPU)

# revision-memory-limit contains the memory allocation to limit
# revisions to by default.
revision-memory-limit: "200M"  # 200 megabytes of memory

# revision-ephemeral-storage-limit contains the ephemeral storage
# allocation to limit revisions to by default.
revision-ephemeral-storage-limit: "750M"  # 750 megabytes of storage

# container-name-template contains a template for the default
# container name, if none is specified.  This field supports
# Go templating and is supplied with the ObjectMeta of the
# enclosing Service or Configuration, so values such as
# {{.Name}} are also valid.
container-name-template: "user-container"

# init-container-name-template contains a template for the default
# init container name, if none is specified.
init-container-name-template: "init-container"

# container-concurrency specifies the maximum number
# of requests the Container can handle at once, and requests
# above this threshold are queued.  Setting a value of zero
# disables this throttling and lets through as many requests as
# the pod receives.
container-concurrency: "0"

# The container concurrency max limit is an operator setting ensuring that
# the individual revisions cannot have arbitrary large concurrency
# values, or autoscaling targets.
container-concurrency-max-limit: "1000"

# allow-container-concurrency-zero controls whether users can
# specify 0 (i.e. unbounded) for containerConcurrency.
allow-container-concurrency-zero: "true"

# enable-service-links specifies the default value used for the
# enableServiceLinks field of the PodSpec, when it is omitted by the user.
# Kedge has no Kubernetes Services to link; the field is kept as written.
enable-service-links: "false"
`;

const GC = `${HEADER}
# ---------------------------------------
# Garbage Collector Settings
# ---------------------------------------
#
# Active
#   * Revisions which are referenced by a Route are considered active.
#   * Individual revisions may be marked with the annotation
#      "serving.knative.dev/no-gc":"true" to be permanently considered active.
#   * Active revisions are not considered for GC.
# Retention
#   * Revisions are retained if they are any of the following:
#       1. Active
#       2. Were created within "retain-since-create-time"
#       3. Were last referenced by a route within
#           "retain-since-last-active-time"
#       4. There are fewer than "min-non-active-revisions"
#     If none of these conditions are met, or if the count of revisions exceed
#      "max-non-active-revisions", they will be deleted by GC.
#     The special value "disabled" may be used to turn off these limits.

# Duration since creation before considering a revision for GC or "disabled".
retain-since-create-time: "48h"

# Duration since active before considering a revision for GC or "disabled".
retain-since-last-active-time: "15h"

# Minimum number of non-active revisions to retain.
min-non-active-revisions: "20"

# Maximum number of non-active revisions to retain
# or "disabled" to disable any maximum limit.
max-non-active-revisions: "1000"
`;

const FEATURES = `${HEADER}
# Indicates whether multi container support is enabled.
# Kedge runs the first container only; the others are validated.
multi-container: "enabled"

# Indicates whether multi container probing is enabled.
multi-container-probing: "disabled"

# Indicates whether Kubernetes affinity support is enabled.
kubernetes.podspec-affinity: "disabled"

# Indicates whether Kubernetes DNSPolicy support is enabled.
kubernetes.podspec-dnspolicy: "disabled"

# Indicates whether Kubernetes DNSConfig support is enabled.
kubernetes.podspec-dnsconfig: "disabled"

# Indicates whether Kubernetes emptyDir volume support is enabled.
kubernetes.podspec-emptydir: "enabled"

# Indicates whether Kubernetes FieldRef support is enabled.
kubernetes.podspec-fieldref: "disabled"

# Indicates whether Kubernetes hostAliases support is enabled.
kubernetes.podspec-hostaliases: "disabled"

# Indicates whether Kubernetes hostIPC, hostNetwork and hostPID support is enabled.
kubernetes.podspec-hostipc: "disabled"
kubernetes.podspec-hostnetwork: "disabled"
kubernetes.podspec-hostpid: "disabled"

# Indicates whether Kubernetes init containers support is enabled.
kubernetes.podspec-init-containers: "disabled"

# Indicates whether Kubernetes nodeSelector support is enabled.
kubernetes.podspec-nodeselector: "disabled"

# Indicates whether Kubernetes priorityClassName support is enabled.
kubernetes.podspec-priorityclassname: "disabled"

# Indicates whether Kubernetes runtimeClassName support is enabled.
kubernetes.podspec-runtimeclassname: "disabled"

# Indicates whether Kubernetes schedulerName support is enabled.
kubernetes.podspec-schedulername: "disabled"

# Indicates whether Kubernetes securityContext support is enabled.
kubernetes.podspec-securitycontext: "disabled"

# Indicates whether Kubernetes shareProcessNamespace support is enabled.
kubernetes.podspec-shareprocessnamespace: "disabled"

# Indicates whether Kubernetes tolerations support is enabled.
kubernetes.podspec-tolerations: "disabled"

# Indicates whether Kubernetes topologySpreadConstraints support is enabled.
kubernetes.podspec-topologyspreadconstraints: "disabled"

# Kedge's own: whether a container with "command" may run as a local process
# (a process revision). Off unless the operator turns it on
# (kedge up --allow-process-revisions sets it).
kedge.process-revisions: "disabled"
`;

const NETWORK = `${HEADER}
# Knative's networking settings. Kedge's gateway reads http-protocol; the other
# keys are accepted and ignored (Kedge uses their defaults).

# ingress-class specifies the default ingress class
# to use when not dictated by Route annotation.
# Kedge's gateway is the only ingress.
ingress-class: "kedge"

# domain-template specifies the golang text template string to use
# when constructing the Knative service's DNS name. Kedge uses the
# default, {{.Name}}.{{.Namespace}}.{{.Domain}}.
domain-template: "{{.Name}}.{{.Namespace}}.{{.Domain}}"

# tag-template specifies the golang text template string to use
# when constructing the DNS name for "tags" within the traffic blocks
# of Routes and Configuration. Kedge uses the default.
tag-template: "{{.Tag}}-{{.Name}}"

# http-protocol controls the behavior of HTTP endpoints for the Knative
# ingress: "Enabled" serves HTTP traffic, "Redirected" responds to HTTP
# traffic with a 301 redirect to HTTPS (for domains with TLS, DomainMapping),
# "Disabled" does not serve HTTP for them.
http-protocol: "Enabled"
`;

const DEPLOYMENT = `${HEADER}
# Knative's deployment settings (queue-proxy sidecar, image digest
# resolution, progress deadline). Kedge has no Deployments and no
# queue-proxy: the runner's per-instance queue takes its place, and its
# knobs are in config-kedge-runner. These keys are installed for tools
# that expect the map; Kedge reads none of them.

# progressDeadline is the duration we wait for the deployment to
# be ready before considering it failed.
progress-deadline: "600s"

# List of repositories for which tag to digest resolving should be skipped.
registries-skipping-tag-resolving: "kind.local,ko.local,dev.local"

# queue-sidecar-image is the image of the queue-proxy sidecar.
queue-sidecar-image: ""
`;

const KEDGE_RUNNER = `${HEADER}
# Kedge's own map: the runner's knobs (Knative's runner is a Pod with a
# queue-proxy; Kedge's is one process per node running many guests).

# max-workers is how many worker threads may run guests at once on a node.
# Unset: the runner's worker count + 2 (it depends on the node's cores).
max-workers: "4"

# max-guests-per-replica caps how many guest instances one replica keeps
# for concurrent requests (Knative's container-concurrency-max-limit).
max-guests-per-replica: "100"

# cpu-limit-ms is the CPU time one request may use before it is ended
# with 504 (a revision's kedge.dev/cpu-limit-ms annotation overrides it).
# At most 600000 (max-revision-timeout-seconds).
cpu-limit-ms: "30000"

# outbound-timeout-ms ends a guest's outgoing HTTP request after this long.
outbound-timeout-ms: "30000"

# stop-grace-ms is how long a stopping instance may finish what it serves.
stop-grace-ms: "10000"
`;

/** Every ConfigMap installed in knative-serving at start, with its `_example`. */
export const SYSTEM_CONFIG_EXAMPLES: Readonly<Record<string, string>> = Object.freeze({
  'config-autoscaler': AUTOSCALER,
  'config-defaults': DEFAULTS,
  'config-deployment': DEPLOYMENT,
  'config-domain': DOMAIN,
  'config-features': FEATURES,
  'config-gc': GC,
  'config-network': NETWORK,
  'config-kedge-runner': KEDGE_RUNNER,
});
