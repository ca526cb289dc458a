// Package deploy holds gohub's container image (Dockerfile) and Kubernetes manifests
// (kubernetes/). Its test validates the manifests offline: each is decoded strictly into
// Kubernetes' own API types (k8s.io/api), so that a misspelt or misplaced field fails, and
// the pieces are checked against each other and against gohub serving itself.
package deploy

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/gohub/gohub/serving"
)

// decode reads a manifest strictly into v, checking its apiVersion and kind.
func decode(t *testing.T, name, apiVersion, kind string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("kubernetes", name))
	require.NoError(t, err)
	require.NoError(t, yaml.UnmarshalStrict(data, v), name)
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	require.NoError(t, yaml.Unmarshal(data, &meta))
	assert.Equal(t, apiVersion, meta.APIVersion, name)
	assert.Equal(t, kind, meta.Kind, name)
}

type manifests struct {
	config     corev1.ConfigMap
	deployment appsv1.Deployment
	service    corev1.Service
	hpa        autoscalingv2.HorizontalPodAutoscaler
}

func load(t *testing.T) *manifests {
	var m manifests
	decode(t, "configmap.yaml", "v1", "ConfigMap", &m.config)
	decode(t, "deployment.yaml", "apps/v1", "Deployment", &m.deployment)
	decode(t, "service.yaml", "v1", "Service", &m.service)
	decode(t, "hpa.yaml", "autoscaling/v2", "HorizontalPodAutoscaler", &m.hpa)
	entries, err := os.ReadDir("kubernetes")
	require.NoError(t, err)
	assert.Len(t, entries, 4, "a new manifest needs its check here")
	return &m
}

// TestStrictDecodingCatchesMistakes: the check itself refuses a misspelt field.
func TestStrictDecodingCatchesMistakes(t *testing.T) {
	var d appsv1.Deployment
	err := yaml.UnmarshalStrict([]byte("apiVersion: apps/v1\nkind: Deployment\nspec:\n  replica: 2\n"), &d)
	assert.ErrorContains(t, err, `unknown field "replica"`)
	err = yaml.UnmarshalStrict([]byte("apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: two\n"), &d)
	assert.Error(t, err)
}

func TestManifests(t *testing.T) {
	m := load(t)
	d := m.deployment
	pod := d.Spec.Template

	// The selector picks the pods, and the Service and the autoscaler point at them.
	require.NotNil(t, d.Spec.Selector)
	for k, v := range d.Spec.Selector.MatchLabels {
		assert.Equal(t, v, pod.Labels[k], "the pod template has the selector's label %s", k)
		assert.Equal(t, v, m.service.Spec.Selector[k], "the Service selects the pods by %s", k)
	}
	assert.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name},
		m.hpa.Spec.ScaleTargetRef)
	require.NotNil(t, m.hpa.Spec.MinReplicas)
	assert.GreaterOrEqual(t, *m.hpa.Spec.MinReplicas, int32(2), "one pod is no service while it restarts")
	assert.Greater(t, m.hpa.Spec.MaxReplicas, *m.hpa.Spec.MinReplicas)

	// The served config is gohub's and names the modules the init container installs.
	cfg, err := serving.ParseConfig([]byte(m.config.Data["serving.json"]))
	require.NoError(t, err)
	full, err := cfg.WithDefaults()
	require.NoError(t, err)
	var names []string
	for _, mc := range cfg.Modules {
		names = append(names, mc.Name)
	}
	assert.Equal(t, names, strings.Fields(m.config.Data["GOHUB_MODULES"]))
	assert.True(t, strings.HasSuffix(m.config.Data["GOHUB_SERVER"], ".json"), "a static gohub index")

	require.Len(t, pod.Spec.InitContainers, 1)
	require.Len(t, pod.Spec.Containers, 1)
	c := pod.Spec.Containers[0]
	assert.Equal(t, []string{"serving", "start", "-c", "/etc/gohub/serving.json"}, c.Args)
	require.Len(t, c.Ports, 1)
	assert.Equal(t, int32(full.Port), c.Ports[0].ContainerPort)
	require.Len(t, m.service.Spec.Ports, 1)
	assert.Equal(t, int32(full.Port), m.service.Spec.Ports[0].Port)
	assert.Equal(t, c.Ports[0].Name, m.service.Spec.Ports[0].TargetPort.String())
	assert.Equal(t, strconv.Itoa(full.Port), pod.Annotations["prometheus.io/port"])

	// Both containers see the home and the config where gohub looks for them.
	for _, ct := range []corev1.Container{pod.Spec.InitContainers[0], c} {
		assert.Equal(t, c.Image, ct.Image)
		mounts := map[string]string{}
		for _, vm := range ct.VolumeMounts {
			mounts[vm.MountPath] = vm.Name
		}
		assert.Equal(t, "home", mounts["/var/lib/gohub"], "%s: GOHUB_HOME of the image", ct.Name)
		assert.Equal(t, "tmp", mounts["/tmp"], "%s: a writable /tmp under a read-only root", ct.Name)
		require.NotNil(t, ct.SecurityContext)
		assert.True(t, *ct.SecurityContext.ReadOnlyRootFilesystem)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = v
	}
	require.NotNil(t, volumes["config"].ConfigMap)
	assert.Equal(t, m.config.Name, volumes["config"].ConfigMap.Name)
	assert.Equal(t, m.config.Name, pod.Spec.InitContainers[0].EnvFrom[0].ConfigMapRef.Name)

	// The probes ask gohub's own endpoints, on the served port.
	probes := map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe}
	srv, err := serving.New(serving.Config{Modules: []serving.ModuleConfig{{Name: "lac"}}})
	require.NoError(t, err)
	defer srv.Shutdown(t.Context())
	for name, p := range probes {
		require.NotNil(t, p, name)
		require.NotNil(t, p.HTTPGet, name)
		assert.Equal(t, c.Ports[0].Name, p.HTTPGet.Port.String(), name)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p.HTTPGet.Path, nil))
		assert.NotEqual(t, http.StatusNotFound, rec.Code, "%s probe: gohub serves %s", name, p.HTTPGet.Path)
	}
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path, "traffic only once the modules have loaded")

	// Requests in flight finish: the grace period covers the pause before SIGTERM and the
	// longest request.
	require.NotNil(t, d.Spec.Template.Spec.TerminationGracePeriodSeconds)
	preStop := 0
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Exec != nil {
		preStop, err = strconv.Atoi(c.Lifecycle.PreStop.Exec.Command[len(c.Lifecycle.PreStop.Exec.Command)-1])
		require.NoError(t, err)
	}
	assert.Greater(t, *pod.Spec.TerminationGracePeriodSeconds, int64(preStop)+int64(full.Timeout.Seconds()))

	// The autoscaler measures CPU against the request, which must be there; the workers
	// match the CPUs asked for.
	cpu, ok := c.Resources.Requests[corev1.ResourceCPU]
	require.True(t, ok, "the HPA's CPU utilisation needs a CPU request")
	assert.Equal(t, int64(full.Workers), cpu.Value(), "one worker per requested core")
	_, ok = c.Resources.Limits[corev1.ResourceMemory]
	assert.True(t, ok, "a memory limit")
	require.Len(t, m.hpa.Spec.Metrics, 1)
	assert.Equal(t, corev1.ResourceCPU, m.hpa.Spec.Metrics[0].Resource.Name)
}

// TestDockerfile checks the image's recipe against the repository and the manifests (the
// image itself is built with docker, which the tests do not need): what it copies exists,
// every stage it copies from is defined, its home and port are the manifests'.
func TestDockerfile(t *testing.T) {
	f, err := os.Open("Dockerfile")
	require.NoError(t, err)
	defer f.Close()
	var stages, froms []string
	env := map[string]string{}
	expose := ""
	sc := bufio.NewScanner(f)
	var lines []string
	var cont string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(line, "\\"); ok {
			cont += s + " "
			continue
		}
		lines = append(lines, cont+line)
		cont = ""
	}
	require.NoError(t, sc.Err())
	for _, line := range lines {
		f := strings.Fields(line)
		switch strings.ToUpper(f[0]) {
		case "FROM":
			if len(f) == 4 && strings.EqualFold(f[2], "AS") {
				stages = append(stages, f[3])
			}
		case "COPY":
			args := f[1 : len(f)-1]
			if len(args) > 0 && strings.HasPrefix(args[0], "--from=") {
				froms = append(froms, strings.TrimPrefix(args[0], "--from="))
				continue
			}
			for _, src := range args {
				_, err := os.Stat(filepath.Join("..", src))
				assert.NoError(t, err, "COPY %s: the build context (the repository root) has it", src)
			}
		case "ENV":
			for _, kv := range f[1:] {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
		case "EXPOSE":
			expose = f[1]
		}
	}
	for _, from := range froms {
		assert.True(t, slices.Contains(stages, from), "COPY --from=%s names a stage", from)
	}
	assert.Equal(t, strconv.Itoa(serving.DefaultPort), expose)
	m := load(t)
	assert.Equal(t, env["GOHUB_HOME"], m.deployment.Spec.Template.Spec.Containers[0].VolumeMounts[0].MountPath)
	assert.Equal(t, "10001", strconv.FormatInt(*m.deployment.Spec.Template.Spec.SecurityContext.RunAsUser, 10),
		"the manifests run as the image's user")
	for _, k := range []string{"LD_LIBRARY_PATH", "GOHUB_HOME"} {
		assert.NotEmpty(t, env[k], k)
	}
	for _, want := range []string{"cmake -S native", "-DPD_BUILD_TESTS=OFF", "go build", "scripts/onednn.sh"} {
		assert.True(t, slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, want) }), want)
	}
}
