// The one judgement of an image pull: how it failed (diagnose's pullFailure) and whether waiting
// can fix it (rollout status fails fast when it cannot). Messages are the kubelet's and the
// runtimes' own words (containerd, Docker, registries' answers) as they appear in events and in
// state.waiting.message.
import { describe, expect, it } from 'vitest';
import { isPermanentPullFailure, parsePullError, pullFailureOf } from '../../../plugin/kube/image-pull.js';

describe('parsePullError', () => {
  it.each([
    {
      name: 'containerd not found',
      msg: 'Failed to pull image "nginx:nope": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:nope": failed to resolve reference "docker.io/library/nginx:nope": docker.io/library/nginx:nope: not found',
      kind: 'not-found',
      image: 'nginx:nope',
    },
    {
      name: 'registry manifest unknown',
      msg: 'Failed to pull image "r.example/a:1": Error response from daemon: manifest for r.example/a:1 not found: manifest unknown: manifest unknown',
      kind: 'not-found',
      detail: 'manifest unknown',
    },
    {
      name: 'unknown registry host',
      msg: 'Failed to pull image "nope.invalid/a:1": failed to do request: Head "https://nope.invalid/v2/a/manifests/1": dial tcp: lookup nope.invalid: no such host',
      kind: 'not-found',
      detail: 'no such host',
    },
    {
      name: 'pull access denied',
      msg: 'Failed to pull image "acme/private:1": failed to resolve reference "docker.io/acme/private:1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
      kind: 'unauthorized',
      detail: 'pull access denied',
    },
    {
      name: '403 from a registry',
      msg: 'Failed to pull image "ghcr.io/a/b:1": unexpected status from HEAD request to https://ghcr.io/v2/a/b/manifests/1: 403 Forbidden',
      kind: 'unauthorized',
    },
    {
      name: 'client timeout',
      msg: 'Failed to pull image "r.example/a:1": Get "https://r.example/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
      kind: 'timeout',
    },
    {
      name: 'invalid reference',
      msg: 'Failed to apply default image tag "Bad:Name": couldn\'t parse image name "Bad:Name": invalid reference format',
      kind: 'invalid-name',
      image: 'Bad:Name',
    },
    { name: 'something else', msg: 'Failed to pull image "a:1": rpc error: code = Unknown desc = disk full', kind: 'other' },
    // kubelet images/image_manager.go: "Container image %q is not present with pull policy of Never".
    {
      name: 'imagePullPolicy: Never, image absent',
      msg: 'Container image "registry.example/web:2" is not present with pull policy of Never',
      kind: 'never-pull',
      image: 'registry.example/web:2',
    },
  ])('$name → $kind', ({ msg, kind, image, detail }) => {
    const p = parsePullError(msg);
    expect(p.kind).toBe(kind);
    if (image) expect(p.image).toBe(image);
    if (detail) expect(p.detail).toBe(detail);
  });
});

describe('pullFailureOf and isPermanentPullFailure: the judgement both commands make', () => {
  const waitingNotFound =
    'Back-off pulling image "registry.example/badimage:2": ErrImagePull: rpc error: code = Unknown desc = Error response from daemon: manifest for registry.example/badimage:2 not found: manifest unknown: manifest unknown';
  it.each([
    { name: 'a tag the registry does not have (ImagePullBackOff)', reason: 'ImagePullBackOff', msg: waitingNotFound, kind: 'not-found', permanent: true },
    {
      name: 'a private repository (containerd)',
      reason: 'ErrImagePull',
      msg: 'rpc error: code = Unknown desc = failed to pull and unpack image "127.0.0.1:5000/private/app:1": failed to resolve reference "127.0.0.1:5000/private/app:1": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
      kind: 'unauthorized',
      permanent: true,
    },
    {
      name: 'a registry that times out',
      reason: 'ErrImagePull',
      msg: 'rpc error: code = DeadlineExceeded desc = failed to pull and unpack image "r.example/a:1": dial tcp 10.0.0.1:443: i/o timeout',
      kind: 'timeout',
      permanent: false,
    },
    { name: 'an error nobody recognised', reason: 'ErrImagePull', msg: 'rpc error: code = Unknown desc = disk full', kind: 'other', permanent: false },
    { name: 'no message yet', reason: 'ImagePullBackOff', msg: '', kind: 'other', permanent: false },
    {
      name: 'InvalidImageName, whatever the message',
      reason: 'InvalidImageName',
      msg: 'Failed to apply default image tag "Bad:Name": couldn\'t parse image name "Bad:Name": invalid reference format',
      kind: 'invalid-name',
      permanent: true,
    },
    {
      name: 'ErrImageNeverPull, whatever the message',
      reason: 'ErrImageNeverPull',
      msg: 'Container image "registry.example/web:2" is not present with pull policy of Never',
      kind: 'never-pull',
      permanent: true,
    },
  ])('$name → $kind (permanent: $permanent)', ({ reason, msg, kind, permanent }) => {
    const p = pullFailureOf(reason, msg);
    expect(p.kind).toBe(kind);
    expect(isPermanentPullFailure(p.kind)).toBe(permanent);
  });
});
