// kwok Stages that make a pod behave like a failing kubelet would report it, selected by the
// pod label `paas.io/kwok-scenario`. Status and event messages follow kubelet's own formats
// (pkg/kubelet/images, kuberuntime, prober); events name the pod's first container.
// Pure: builds plain Stage objects; test/e2e/cluster/control-plane.ts applies them.

/** The pod label that selects a scenario. */
export const ScenarioLabel = 'paas.io/kwok-scenario';

/** The closed set of scenarios (absent label = Ready). */
export const Scenario = {
  Ready: 'ready',
  NeverReady: 'never-ready',
  ImageNotFound: 'image-not-found',
  CrashLoop: 'crashloop',
  ConfigError: 'config-error',
} as const;
export type Scenario = (typeof Scenario)[keyof typeof Scenario];

/** The ConfigMap a `config-error` pod reports missing. */
export const MissingConfigMap = 'missing-config';

type Expression = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };
type Step = { patch?: { subresource: string; root: string; template: string }; apply?: { template: string } };
/** A kwok Stage (kwok.x-k8s.io/v1alpha1) as a plain object. */
export type Stage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1';
  kind: 'Stage';
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: 'v1'; kind: 'Pod' };
    selector: { matchExpressions: Expression[] };
    delay?: { durationMilliseconds: number; jitterDurationMilliseconds?: number };
    steps: Step[];
  };
};

// Go-template fragments, rendered by kwok with the pod as `.`.
const NOW = '{{ $now := Now }}';
const FIRST = '{{ $c := index .spec.containers 0 }}';
const POD_DESC = '(printf "%s_%s(%s)" .metadata.name .metadata.namespace .metadata.uid)';
/** containerd 2's pull error for the image at template expression `image`, in the words the real
 * node's kubelet wrote (test/fixtures/diagnose/real/image-not-found.yaml). */
const pullError = (image: string) =>
  `(printf "rpc error: code = NotFound desc = failed to pull and unpack image %q: failed to resolve image: %s: not found" ${image} ${image})`;
const CONFIG_ERROR = `(printf "configmap %q not found" "${MissingConfigMap}")`;

const notReadyConditions = `
{{ $names := list }}{{ range .spec.containers }}{{ $names = append $names .name }}{{ end }}
{{ $unready := printf "containers with unready status: [%s]" (join " " $names) }}
conditions:
- type: PodReadyToStartContainers
  status: "True"
  lastProbeTime: null
  lastTransitionTime: {{ $now | Quote }}
- type: Initialized
  status: "True"
  lastProbeTime: null
  lastTransitionTime: {{ $now | Quote }}
- type: ContainersReady
  status: "False"
  reason: ContainersNotReady
  message: {{ $unready | Quote }}
  lastProbeTime: null
  lastTransitionTime: {{ $now | Quote }}
- type: Ready
  status: "False"
  reason: ContainersNotReady
  message: {{ $unready | Quote }}
  lastProbeTime: null
  lastTransitionTime: {{ $now | Quote }}`;

const podIPs = `
{{ $podIP := .status.podIP }}
{{ if not $podIP }}{{ $podIP = PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}{{ end }}
hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
hostIPs:
- ip: {{ NodeIPWith .spec.nodeName | Quote }}
podIP: {{ $podIP | Quote }}
podIPs:
- ip: {{ $podIP | Quote }}
startTime: {{ or .status.startTime $now | Quote }}`;

/** containerStatuses for every container; `body` is indented YAML using `.` (the container) and `$pod`. */
function containerStatuses(body: string): string {
  const indented = body
    .trim()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `
{{ $pod := . }}
containerStatuses:
{{ range .spec.containers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: ""
${indented}
{{ end }}`;
}

/** Every container waiting to start with `reason`; `message` is a template expression over the container `.`. */
function waitingStep(reason: string, message: string): Step {
  return statusStep(
    'Pending',
    containerStatuses(`
ready: false
started: false
restartCount: 0
state:
  waiting:
    reason: ${reason}
    message: {{ ${message} | Quote }}`),
  );
}

function statusStep(phase: 'Pending' | 'Running', containers: string): Step {
  return {
    patch: {
      subresource: 'status',
      root: 'status',
      template: [NOW, notReadyConditions, containers, podIPs, `phase: ${phase}`].join('\n'),
    },
  };
}

/** A core/v1 Event on the pod's first container, as kubelet records it; `message` is a template expression. */
function eventStep(key: string, type: 'Normal' | 'Warning', reason: string, message: string): Step {
  return {
    apply: {
      template: `${NOW}
${FIRST}
apiVersion: v1
kind: Event
metadata:
  name: {{ printf "%s.${key}" .metadata.name | Quote }}
  namespace: {{ .metadata.namespace | Quote }}
involvedObject:
  apiVersion: v1
  kind: Pod
  name: {{ .metadata.name | Quote }}
  namespace: {{ .metadata.namespace | Quote }}
  uid: {{ .metadata.uid | Quote }}
  fieldPath: {{ printf "spec.containers{%s}" $c.name | Quote }}
type: ${type}
reason: ${reason}
message: {{ ${message} | Quote }}
source:
  component: kubelet
  host: {{ .spec.nodeName | Quote }}
reportingComponent: kubelet
reportingInstance: {{ .spec.nodeName | Quote }}
firstTimestamp: {{ $now | Quote }}
lastTimestamp: {{ $now | Quote }}
count: 1
`,
    },
  };
}

function stage(name: string, scenario: Scenario, when: Expression[], steps: Step[], delayMs = 200): Stage {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name: `paas-${name}` },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Pod' },
      selector: {
        matchExpressions: [
          { key: `.metadata.labels["${ScenarioLabel}"]`, operator: 'In', values: [scenario] },
          { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
          ...when,
        ],
      },
      delay: { durationMilliseconds: delayMs, jitterDurationMilliseconds: delayMs * 3 },
      steps,
    },
  };
}

// A pod kwok has not touched yet: bound, Pending, no container statuses.
const fresh: Expression[] = [
  { key: '.status.phase', operator: 'In', values: ['Pending'] },
  { key: '.status.containerStatuses', operator: 'DoesNotExist' },
];

const started = [
  eventStep('pulled', 'Normal', 'Pulled', 'printf "Container image %q already present on machine" $c.image'),
  eventStep('created', 'Normal', 'Created', '"Container created"'),
  eventStep('started', 'Normal', 'Started', '"Container started"'),
];

function crashStage(scenario: Scenario, reason: string, exitCode: number): Stage {
  return stage(scenario, scenario, fresh, [
    statusStep(
      'Running',
      containerStatuses(`
ready: false
started: false
restartCount: 1
state:
  waiting:
    reason: CrashLoopBackOff
    message: {{ printf "back-off 10s restarting failed container=%s pod=%s" .name ${POD_DESC.replaceAll('.metadata', '$pod.metadata')} | Quote }}
lastState:
  terminated:
    exitCode: ${exitCode}
    reason: ${reason}
    startedAt: {{ $now | Quote }}
    finishedAt: {{ $now | Quote }}`),
    ),
    ...started,
    eventStep('backoff', 'Warning', 'BackOff', `printf "Back-off restarting failed container %s in pod %s" $c.name ${POD_DESC}`),
  ]);
}

export function scenarioStages(): Stage[] {
  return [
    stage(Scenario.NeverReady, Scenario.NeverReady, fresh, [
      statusStep(
        'Running',
        containerStatuses(`
ready: false
started: true
restartCount: 0
state:
  running:
    startedAt: {{ $now | Quote }}`),
      ),
      ...started,
      eventStep('unhealthy', 'Warning', 'Unhealthy', '"Readiness probe failed: HTTP probe failed with statuscode: 503"'),
    ]),
    stage(`${Scenario.ImageNotFound}-pull`, Scenario.ImageNotFound, fresh, [
      waitingStep('ErrImagePull', pullError('.image')),
      eventStep('pulling', 'Normal', 'Pulling', 'printf "Pulling image %q" $c.image'),
      eventStep('pull-failed', 'Warning', 'Failed', `printf "Failed to pull image %q: %s" $c.image ${pullError('$c.image')}`),
      eventStep('err-image-pull', 'Warning', 'Failed', '"Error: ErrImagePull"'),
    ]),
    // kubelet retries the pull after a back-off and reports ImagePullBackOff meanwhile.
    stage(
      `${Scenario.ImageNotFound}-backoff`,
      Scenario.ImageNotFound,
      [{ key: '.status.containerStatuses.[].state.waiting.reason', operator: 'In', values: ['ErrImagePull'] }],
      [
        waitingStep('ImagePullBackOff', `printf "Back-off pulling image %q: ErrImagePull: %s" .image ${pullError('.image')}`),
        eventStep('backoff', 'Normal', 'BackOff', 'printf "Back-off pulling image %q" $c.image'),
        eventStep('image-pull-backoff', 'Warning', 'Failed', '"Error: ImagePullBackOff"'),
      ],
      1000,
    ),
    crashStage(Scenario.CrashLoop, 'Error', 1),
    stage(Scenario.ConfigError, Scenario.ConfigError, fresh, [
      statusStep(
        'Pending',
        containerStatuses(`
ready: false
started: false
restartCount: 0
state:
  waiting:
    reason: CreateContainerConfigError
    message: {{ ${CONFIG_ERROR} | Quote }}`),
      ),
      eventStep('pulled', 'Normal', 'Pulled', 'printf "Container image %q already present on machine" $c.image'),
      eventStep('config-failed', 'Warning', 'Failed', `printf "Error: %s" ${CONFIG_ERROR}`),
    ]),
  ];
}
