// Package deploy holds newsflow's deployment assets and the tests that keep
// them honest. It has no Go API; the files are:
//
//   - prometheus/prometheus.yml: scrape configuration for the compose stack;
//     prometheus/alerts.yml: alert rules, unit-tested by
//     prometheus/alerts_test.yml (promtool test rules).
//   - grafana/provisioning/: the Prometheus data source and the dashboard
//     provider; grafana/dashboards/: the Pipeline and Newsroom dashboards.
//   - Dockerfile: the static, non-root newsflow image
//     (../docker-compose.yml builds it).
//   - k8s/: a kustomization with the Deployment, Service,
//     PodDisruptionBudget, PodMonitor and KEDA ScaledObject.
//   - helm/newsflow/: a Helm chart of the same, with SASL/TLS, exactly-once,
//     KEDA, PodMonitor, PrometheusRule and dashboard ConfigMaps as values;
//     its dashboards and rules are copies checked against the originals.
//
// The tests, in tiers:
//
//   - Static validation (always): the compose file, manifests, Dockerfile,
//     Prometheus configuration, rules and dashboards parse; every file they
//     reference exists; images are pinned; ports, brokers, topics and the
//     consumer group agree across files; and every series and label used in
//     a panel or a rule is one that internal/metrics exports.
//   - Helm (NEWSFLOW_HELM_RENDERED, set by scripts/helm-check.sh): the
//     chart's renders pass the same consistency checks as k8s/ and the
//     chart's own (settings, Secrets, KEDA authentication, rules,
//     dashboards). Without it, the chart's copies, defaults and values
//     schema are still checked.
//   - promtool (when the binary is on PATH): check config, check rules, and
//     the alert unit tests; every dashboard expression is also checked by
//     promtool as a recording rule.
//   - Observability end to end (NEWSFLOW_E2E=1, needs prometheus and
//     promtool, e.g. Debian's "prometheus" package): builds newsflow, runs
//     `newsflow demo --rate 20`, scrapes it with a real Prometheus using
//     prometheus.yml and alerts.yml, and requires every dashboard query to
//     return data and every alert rule to evaluate.
package deploy
