// kube-quota's own statement of what a pod charges and what a quantity means (quota-usage.ts), against
// the admission code it judges (core/kube/admission): two statements of one rule that must agree on
// everything admission understands, and Kubernetes' quantities beyond it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parseQuantity } from "../../core/kube/admission/quantity.ts";
import { podUsage } from "../../core/kube/admission/usage.ts";
import type { Pod } from "../../core/kube/types.ts";
import { milliOf, usageOfPod } from "./quota-usage.ts";

const quantity = fc
  .tuple(fc.nat({ max: 5000 }), fc.constantFrom("", "m", "k", "M", "G", "Ki", "Mi", "Gi"))
  .map(([n, s]) => `${n}${s}`);

test("a pod's usage and every quantity admission reads agree with admission's own counting", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ cpu: fc.option(quantity, { nil: undefined }), memory: fc.option(quantity, { nil: undefined }) }),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      fc.constantFrom(undefined, "Pending", "Running", "Succeeded", "Failed"),
      (containers, phase) => {
        const pod: Pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "p", namespace: "default" },
          spec: {
            containers: containers.map((r, i) => ({
              name: `c${i}`,
              image: "x",
              resources: {
                requests: {
                  ...(r.cpu !== undefined ? { cpu: r.cpu } : {}),
                  ...(r.memory !== undefined ? { memory: r.memory } : {}),
                },
              },
            })),
          },
          ...(phase !== undefined ? { status: { phase } as Pod["status"] } : {}),
        };
        assert.equal([...usageOfPod(pod)].sort(), [...podUsage(pod)].sort());
        for (const r of containers) if (r.cpu !== undefined) assert.is(milliOf(r.cpu), parseQuantity(r.cpu));
      },
    ),
    { seed: 3, numRuns: 1000 },
  );
});

test("Kubernetes quantities: decimal fractions, binary and decimal suffixes, a fraction of a milli rounded up", () => {
  assert.is(milliOf("1.5"), 1500);
  assert.is(milliOf("0.1"), 100);
  assert.is(milliOf("1.5Gi"), 1.5 * 2 ** 30 * 1000);
  assert.is(milliOf("2k"), 2_000_000);
  assert.is(milliOf("1.5m"), 2);
  assert.is(milliOf("64Mi"), 67_108_864_000);
  for (const bad of ["", "abc", "1.", ".5", "-1", "1 Gi", "1gi"]) assert.is(milliOf(bad), undefined, bad);
});

test.run();
