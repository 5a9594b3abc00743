package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCompose checks docker-compose.yml: services, pinned images, files it
// references, start order, and that newsflow's env agrees with Kafka's
// listeners, the exposed ports and the publisher.
func TestCompose(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"kafka", "newsflow", "publisher", "prometheus", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %q missing", name)
		}
	}
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			if s.Image == "" {
				t.Fatal("no image")
			}
			if err := checkPinned(s.Image); err != nil {
				t.Error(err)
			}
			if s.Build != nil {
				ctx := filepath.Join(filepath.Dir(composePath), s.Build.Context)
				if fi, err := os.Stat(ctx); err != nil || !fi.IsDir() {
					t.Errorf("build context %s: not a directory (%v)", ctx, err)
				}
				if _, err := os.Stat(filepath.Join(ctx, s.Build.Dockerfile)); err != nil {
					t.Errorf("dockerfile: %v", err)
				}
			}
			for _, v := range s.Volumes {
				src, _, bind := bindMount(v)
				if bind {
					if _, err := os.Stat(filepath.Join(filepath.Dir(composePath), src)); err != nil {
						t.Errorf("volume %q: %v", v, err)
					}
				} else if _, ok := c.Volumes[src]; !ok {
					t.Errorf("volume %q: named volume %q is not declared", v, src)
				}
			}
			for dep, d := range s.DependsOn {
				target, ok := c.Services[dep]
				switch {
				case !ok:
					t.Errorf("depends on unknown service %q", dep)
				case d.Condition != "service_healthy" && d.Condition != "service_started" && d.Condition != "service_completed_successfully":
					t.Errorf("depends on %q with condition %q", dep, d.Condition)
				case d.Condition == "service_healthy" && target.Healthcheck == nil:
					t.Errorf("waits for %q to be healthy, but it has no healthcheck", dep)
				}
			}
			if s.Healthcheck != nil && len(s.Healthcheck.Test) < 2 {
				t.Errorf("healthcheck test %q is empty", s.Healthcheck.Test)
			}
			for _, p := range s.Ports {
				if strings.Count(strings.SplitN(p, "/", 2)[0], ":") == 0 {
					t.Errorf("port %q: publish as HOST:CONTAINER", p)
				}
			}
		})
	}

	kafka, nf, pub := c.Services["kafka"], c.Services["newsflow"], c.Services["publisher"]
	// Kafka in KRaft mode, and newsflow pointing at its in-network listener.
	if !strings.HasPrefix(kafka.Image, "apache/kafka:") {
		t.Errorf("kafka image %q: want the official apache/kafka image", kafka.Image)
	}
	roles := kafka.Environment["KAFKA_PROCESS_ROLES"]
	if !strings.Contains(roles, "broker") || !strings.Contains(roles, "controller") {
		t.Errorf("KAFKA_PROCESS_ROLES = %q: want a combined KRaft broker,controller", roles)
	}
	for k := range kafka.Environment {
		if strings.Contains(strings.ToUpper(k), "ZOOKEEPER") {
			t.Errorf("kafka env %s: KRaft mode needs no ZooKeeper", k)
		}
	}
	advertised := map[string]bool{}
	for _, l := range strings.Split(kafka.Environment["KAFKA_ADVERTISED_LISTENERS"], ",") {
		if _, hostport, ok := strings.Cut(l, "://"); ok {
			advertised[hostport] = true
		}
	}
	for name, s := range map[string]composeService{"newsflow": nf, "publisher": pub} {
		brokers := s.Environment["NEWSFLOW_BROKERS"]
		if v, ok := flagValue(s.Command, "--brokers"); ok {
			brokers = v
		}
		if brokers == "" {
			t.Errorf("%s: no NEWSFLOW_BROKERS", name)
		}
		for _, b := range strings.Split(brokers, ",") {
			host, _, _ := strings.Cut(b, ":")
			if !advertised[b] || (host != "kafka" && host != kafka.Hostname) {
				t.Errorf("%s: broker %q is not an advertised listener of the kafka service (%v)", name, b, advertised)
			}
		}
	}

	// newsflow's metrics port: exposed, scraped, and in the image.
	if len(nf.Command) == 0 || nf.Command[0] != "run" {
		t.Errorf("newsflow command %q: want run", nf.Command)
	}
	for _, k := range []string{"NEWSFLOW_BROKERS", "NEWSFLOW_INPUT", "NEWSFLOW_OUTPUT", "NEWSFLOW_DLQ", "NEWSFLOW_GROUP", "NEWSFLOW_METRICS_ADDR"} {
		if nf.Environment[k] == "" {
			t.Errorf("newsflow: %s not set", k)
		}
	}
	mport := port(t, nf.Environment["NEWSFLOW_METRICS_ADDR"])
	if !containerPorts(nf.Ports)[mport] {
		t.Errorf("newsflow: metrics port %s is not published (ports %q)", mport, nf.Ports)
	}
	if nf.Healthcheck != nil {
		if hc := strings.Join(nf.Healthcheck.Test, " "); !strings.Contains(hc, ":"+mport+"/") {
			t.Errorf("newsflow healthcheck %q does not probe the metrics port %s", hc, mport)
		}
	}
	if exposed := dockerfileExposed(t); !slices.Contains(exposed, mport) {
		t.Errorf("Dockerfile EXPOSE %q does not include the metrics port %s", exposed, mport)
	}
	if nf.Build == nil || filepath.Clean(filepath.Join(nf.Build.Context, nf.Build.Dockerfile)) != filepath.Join("deploy", "Dockerfile") {
		t.Errorf("newsflow must be built from deploy/Dockerfile, build = %+v", nf.Build)
	} else if _, tag, _ := strings.Cut(nf.Image, ":"); nf.Build.Args["VERSION"] != tag {
		t.Errorf("build arg VERSION %q differs from the image tag %q", nf.Build.Args["VERSION"], tag)
	}

	// Graceful shutdown fits in Docker's stop grace period.
	drain, err := time.ParseDuration(nf.Environment["NEWSFLOW_SHUTDOWN_TIMEOUT"])
	if err != nil {
		t.Errorf("NEWSFLOW_SHUTDOWN_TIMEOUT: %v", err)
	}
	grace, err := time.ParseDuration(nf.StopGracePeriod)
	if err != nil || grace <= drain {
		t.Errorf("stop_grace_period %q must be longer than NEWSFLOW_SHUTDOWN_TIMEOUT %s (%v)", nf.StopGracePeriod, drain, err)
	}

	// The publisher feeds the bundled samples into newsflow's input topic.
	if pub.Image != nf.Image {
		t.Errorf("publisher image %q: want newsflow's image %q", pub.Image, nf.Image)
	}
	if len(pub.Command) == 0 || pub.Command[0] != "publish" {
		t.Errorf("publisher command %q: want publish", pub.Command)
	}
	if topic, _ := flagValue(pub.Command, "--topic"); topic != nf.Environment["NEWSFLOW_INPUT"] {
		t.Errorf("publisher --topic %q, newsflow reads %q", topic, nf.Environment["NEWSFLOW_INPUT"])
	}
	for _, f := range []string{"--samples", "--loop", "--rate"} {
		if !slices.Contains(pub.Command, f) && !slices.ContainsFunc(pub.Command, func(a string) bool { return strings.HasPrefix(a, f+"=") }) {
			t.Errorf("publisher command %q lacks %s", pub.Command, f)
		}
	}
	for name, s := range map[string]composeService{"newsflow": nf, "publisher": pub} {
		if s.DependsOn["kafka"].Condition != "service_healthy" {
			t.Errorf("%s must wait for kafka to be healthy", name)
		}
	}

	// Prometheus gets deploy/prometheus, Grafana the provisioning and dashboards.
	prom := c.Services["prometheus"]
	cfg, ok := flagValue(prom.Command, "--config.file")
	if !ok {
		t.Fatal("prometheus: no --config.file")
	}
	if !mountsDir(prom.Volumes, "./deploy/prometheus", filepath.Dir(cfg)) || filepath.Base(cfg) != filepath.Base(promConfigPath) {
		t.Errorf("prometheus --config.file %s is not deploy/%s mounted read-only (volumes %q)", cfg, promConfigPath, prom.Volumes)
	}
	promListen, _ := flagValue(prom.Command, "--web.listen-address")
	if promListen == "" {
		promListen = ":9090"
	}
	if !containerPorts(prom.Ports)[port(t, promListen)] {
		t.Errorf("prometheus listens on %s but publishes %q", promListen, prom.Ports)
	}
	graf := c.Services["grafana"]
	if !mountsDir(graf.Volumes, "./deploy/grafana/provisioning", "/etc/grafana/provisioning") {
		t.Errorf("grafana: deploy/grafana/provisioning not mounted at /etc/grafana/provisioning (volumes %q)", graf.Volumes)
	}
	var providers struct {
		Providers []struct {
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, providersPath, &providers)
	if len(providers.Providers) == 0 {
		t.Fatalf("%s: no dashboard provider", providersPath)
	}
	for _, p := range providers.Providers {
		if p.Type != "file" || !mountsDir(graf.Volumes, "./deploy/grafana/dashboards", p.Options.Path) {
			t.Errorf("dashboard provider path %q is not where deploy/grafana/dashboards is mounted (volumes %q)", p.Options.Path, graf.Volumes)
		}
	}
	if home := graf.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]; home != "" {
		if _, err := os.Stat(filepath.Join(dashboardsDir, filepath.Base(home))); err != nil {
			t.Errorf("home dashboard %s: %v", home, err)
		}
	}
	ds := loadDatasource(t)
	if want := "http://prometheus:" + port(t, promListen); strings.TrimSuffix(ds.URL, "/") != want {
		t.Errorf("grafana data source URL %q, want %q", ds.URL, want)
	}
	if graf.DependsOn["prometheus"].Condition != "service_healthy" {
		t.Error("grafana must wait for prometheus to be healthy")
	}
}

// mountsDir reports whether volumes bind-mount source (relative to the
// repository root) at target.
func mountsDir(volumes []string, source, target string) bool {
	for _, v := range volumes {
		src, tgt, bind := bindMount(v)
		if bind && filepath.Clean(src) == filepath.Clean(source) && filepath.Clean(tgt) == filepath.Clean(target) {
			return true
		}
	}
	return false
}

type grafanaDatasource struct {
	Name     string `yaml:"name"`
	UID      string `yaml:"uid"`
	Type     string `yaml:"type"`
	URL      string `yaml:"url"`
	JSONData struct {
		TimeInterval string `yaml:"timeInterval"`
	} `yaml:"jsonData"`
}

func loadDatasource(t *testing.T) grafanaDatasource {
	t.Helper()
	var f struct {
		Datasources []grafanaDatasource `yaml:"datasources"`
	}
	readYAML(t, datasourcesPath, &f)
	if len(f.Datasources) != 1 || f.Datasources[0].Type != "prometheus" {
		t.Fatalf("%s: want exactly one prometheus data source, got %+v", datasourcesPath, f.Datasources)
	}
	return f.Datasources[0]
}

// TestPrometheusConfig checks prometheus.yml against the compose stack.
func TestPrometheusConfig(t *testing.T) {
	var cfg promConfig
	readYAML(t, promConfigPath, &cfg)
	if len(cfg.RuleFiles) == 0 {
		t.Error("no rule_files")
	}
	for _, f := range cfg.RuleFiles {
		if _, err := os.Stat(filepath.Join(filepath.Dir(promConfigPath), f)); err != nil {
			t.Errorf("rule file: %v", err)
		}
	}
	if !slices.Contains(cfg.RuleFiles, filepath.Base(alertsPath)) {
		t.Errorf("rule_files %q does not load %s", cfg.RuleFiles, filepath.Base(alertsPath))
	}
	c := loadCompose(t)
	mport := port(t, c.Services["newsflow"].Environment["NEWSFLOW_METRICS_ADDR"])
	found := false
	for _, sc := range cfg.ScrapeConfigs {
		if sc.JobName != jobName {
			continue
		}
		found = true
		if sc.MetricsPath != "" && sc.MetricsPath != "/metrics" {
			t.Errorf("metrics_path %q: newsflow serves /metrics", sc.MetricsPath)
		}
		var targets []string
		for _, s := range sc.StaticConfigs {
			targets = append(targets, s.Targets...)
		}
		if len(targets) == 0 {
			t.Error("newsflow job has no targets")
		}
		for _, tg := range targets {
			if tg != "newsflow:"+mport {
				t.Errorf("target %q: want the compose service newsflow:%s", tg, mport)
			}
		}
		interval := sc.ScrapeInterval
		if interval == "" {
			interval = cfg.Global.ScrapeInterval
		}
		if ti := loadDatasource(t).JSONData.TimeInterval; ti != interval {
			t.Errorf("Grafana data source timeInterval %q differs from the scrape interval %q ($__rate_interval relies on it)", ti, interval)
		}
	}
	if !found {
		t.Errorf("no scrape job %q", jobName)
	}
}
