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
