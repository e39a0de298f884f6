// The webhook's scope as the audit reads it: one table over paas.toml's [webhook] settings, a
// Deployment's labels and its namespace's labels, each row's answer written out by hand from the
// rules the README and the webhook's configuration state (excluded namespaces and its own never,
// the opt-out label on either, paas.io/mode picking the mode, opt-in needing that label).
import { describe, expect, it } from 'vitest';
import { scopeOf, type Scope, type ScopeSettings } from '../../../plugin/audit/scope.js';

const EXCLUDED = ['kube-system', 'kube-public', 'kube-node-lease'];
const optOut: ScopeSettings = { mode: 'enforce', namespaces: 'opt-out', excludedNamespaces: EXCLUDED };
const warnByDefault: ScopeSettings = { ...optOut, mode: 'warn' };
const optIn: ScopeSettings = { ...optOut, namespaces: 'opt-in' };

const DISABLED = { 'paas.io/rollout-policy': 'disabled' };

describe('scopeOf', () => {
  it.each<{
    name: string;
    settings: ScopeSettings;
    namespace: string;
    labels?: Record<string, string>;
    deleting?: boolean;
    ns: Record<string, string> | undefined;
    want: Scope;
  }>([
    { name: 'opt-out: a plain namespace takes the default mode', settings: optOut, namespace: 'shop', ns: {}, want: { mode: 'enforce' } },
    { name: 'opt-out, warn by default', settings: warnByDefault, namespace: 'shop', ns: {}, want: { mode: 'warn' } },
    { name: 'a namespace labelled paas.io/mode=warn', settings: optOut, namespace: 'shop', ns: { 'paas.io/mode': 'warn' }, want: { mode: 'warn' } },
    {
      name: 'a namespace labelled paas.io/mode=enforce under warn',
      settings: warnByDefault,
      namespace: 'shop',
      ns: { 'paas.io/mode': 'enforce' },
      want: { mode: 'enforce' },
    },
    {
      name: 'an unknown paas.io/mode value takes the default',
      settings: warnByDefault,
      namespace: 'shop',
      ns: { 'paas.io/mode': 'audit' },
      want: { mode: 'warn' },
    },
    { name: 'opt-in: a labelled namespace takes part', settings: optIn, namespace: 'shop', ns: { 'paas.io/mode': 'warn' }, want: { mode: 'warn' } },
    {
      name: 'opt-in: an unlabelled namespace takes no part',
      settings: optIn,
      namespace: 'shop',
      ns: {},
      want: { mode: 'none', optOut: 'not-opted-in', reason: 'namespaces = "opt-in" and namespace shop has no paas.io/mode label' },
    },
    {
      name: 'opt-in: an unknown paas.io/mode value is no opt-in',
      settings: optIn,
      namespace: 'shop',
      ns: { 'paas.io/mode': 'yes' },
      want: { mode: 'none', optOut: 'not-opted-in', reason: 'namespaces = "opt-in" and namespace shop has no paas.io/mode label' },
    },
    {
      name: 'an excluded namespace, whatever its labels',
      settings: optOut,
      namespace: 'kube-system',
      ns: { 'paas.io/mode': 'enforce' },
      want: { mode: 'none', optOut: 'excluded-namespace', reason: 'namespace kube-system is in excluded_namespaces' },
    },
    {
      name: "the webhook's own namespace, though not listed",
      settings: { ...optOut, excludedNamespaces: [] },
      namespace: 'paas-system',
      ns: {},
      want: { mode: 'none', optOut: 'excluded-namespace', reason: "namespace paas-system is the webhook's own" },
    },
    {
      name: 'a namespace labelled paas.io/rollout-policy=disabled, over its mode label',
      settings: optOut,
      namespace: 'legacy',
      ns: { ...DISABLED, 'paas.io/mode': 'enforce' },
      want: { mode: 'none', optOut: 'namespace-label', reason: 'namespace legacy is labelled paas.io/rollout-policy=disabled' },
    },
    {
      name: 'a Deployment labelled paas.io/rollout-policy=disabled',
      settings: optOut,
      namespace: 'shop',
      labels: DISABLED,
      ns: {},
      want: { mode: 'none', optOut: 'deployment-label', reason: 'labelled paas.io/rollout-policy=disabled' },
    },
    {
      name: 'another value of the opt-out label opts nothing out',
      settings: optOut,
      namespace: 'shop',
      labels: { 'paas.io/rollout-policy': 'enabled' },
      ns: {},
      want: { mode: 'enforce' },
    },
    {
      name: 'a Deployment being deleted',
      settings: optOut,
      namespace: 'shop',
      deleting: true,
      ns: {},
      want: { mode: 'none', optOut: 'deleting', reason: 'being deleted' },
    },
    {
      name: 'unreadable namespace labels: the mode is unknown',
      settings: optOut,
      namespace: 'shop',
      ns: undefined,
      want: { mode: 'unknown', reason: 'the labels of namespace shop could not be read' },
    },
    {
      name: 'unreadable namespace labels do not hide an opt-out by name',
      settings: optOut,
      namespace: 'kube-system',
      ns: undefined,
      want: { mode: 'none', optOut: 'excluded-namespace', reason: 'namespace kube-system is in excluded_namespaces' },
    },
    {
      name: "unreadable namespace labels do not hide the Deployment's own opt-out",
      settings: optOut,
      namespace: 'shop',
      labels: DISABLED,
      ns: undefined,
      want: { mode: 'none', optOut: 'deployment-label', reason: 'labelled paas.io/rollout-policy=disabled' },
    },
  ])('$name', ({ settings, namespace, labels, deleting, ns, want }) => {
    expect(scopeOf(settings, { namespace, ...(labels ? { labels } : {}), ...(deleting ? { deleting } : {}) }, ns)).toEqual(want);
  });
});
