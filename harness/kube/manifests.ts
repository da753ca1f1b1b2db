// The workload manifests the Kubernetes scenarios start from.

/** nginx: a Deployment of 3 replicas of nginx:1.25 (scenarios scale it and roll its image). */
export const NGINX_MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  namespace: default
  labels: { app: nginx }
spec:
  replicas: 3
  selector:
    matchLabels: { app: nginx }
  template:
    metadata:
      labels: { app: nginx }
    spec:
      containers:
        - name: nginx
          image: nginx:1.25
          ports:
            - containerPort: 80
`;

/**
 * The same Deployment as exported from a running cluster (kubectl get -o yaml): its status stanza comes
 * along, and kubectl sends it with the create. The apiserver drops it (Kubernetes' PrepareForCreate): a
 * new Deployment starts with an empty status, which its controller fills in.
 */
export const NGINX_EXPORTED_MANIFEST = `${NGINX_MANIFEST}status:
  observedGeneration: 4
  replicas: 3
  updatedReplicas: 3
  readyReplicas: 3
  availableReplicas: 3
`;

/** A Deployment like nginx's, of `replicas` pods of `image`, named `name` in `namespace`. */
export function deploymentManifest(
  namespace: string,
  name: string,
  replicas: number,
  image = "nginx:1.25",
  terminationGracePeriodSeconds?: number,
): string {
  const grace =
    terminationGracePeriodSeconds === undefined
      ? ""
      : `      terminationGracePeriodSeconds: ${terminationGracePeriodSeconds}\n`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
  labels: { app: ${name} }
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
${grace}      containers:
        - name: ${name}
          image: ${image}
          ports:
            - containerPort: 80
`;
}
