using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>Seed step 8: Ollama, the orchestrator's language models, with its models on a volume of its own.</summary>
internal sealed class Ollama(AppSpec app) : UpstreamApp(app)
{
    public const int Port = 11434;
    private const string DefaultStorage = "50Gi";

    protected override int ServedPort => Port;

    /// <summary>
    /// Serves on loopback (the init container's <c>OLLAMA_HOST</c>) while it pulls what is missing, then
    /// stops: the pod's server starts on a volume that has every model.
    /// </summary>
    internal const string PullScript = """
        set -eu
        ollama serve >/tmp/pull-serve.log 2>&1 &
        server=$!
        trap 'kill $server 2>/dev/null || true' EXIT
        up=0
        for i in $(seq 1 60); do if ollama list >/dev/null 2>&1; then up=1; break; fi; sleep 1; done
        if [ "$up" != 1 ]; then echo "ollama did not start:" >&2; cat /tmp/pull-serve.log >&2; exit 1; fi
        for model in $OLLAMA_PULL; do
          if ollama show "$model" >/dev/null 2>&1; then
            echo "model $model is on the volume"
          else
            ollama pull "$model"
          fi
        done
        """;

    protected override IReadOnlyList<StorageClaim> Storage() => [new(App.Name, App.Storage ?? DefaultStorage, "the models, per replica") { Claims = App.Replicas }];

    public override ComponentRender Render(PlatformModel model)
    {
        var labels = Pods.Selector(App);
        var container = new V1Container
        {
            Name = "ollama",
            Image = App.Image,
            Ports = [new V1ContainerPort { Name = "http", ContainerPort = Port, Protocol = "TCP" }],
            Env =
            [
                Pods.Env("OLLAMA_HOST", $"0.0.0.0:{Port}"),
                Pods.Env("OLLAMA_MODELS", "/models"),
                Pods.Env("HOME", "/models"),
                Pods.Env("OLLAMA_KEEP_ALIVE", "30m"),
            ],
            Resources = Pods.Resources(App.Resources),
            LivenessProbe = Pods.Http("/", 10, 3, "http"),
            ReadinessProbe = Pods.Http("/", 5, 2, "http"),
            SecurityContext = Pods.Restricted(Pods.OtherUser),
            VolumeMounts = [new() { Name = "models", MountPath = "/models" }, new() { Name = "tmp", MountPath = "/tmp" }],
        };
        // The models are pulled onto the volume before the server starts: a model already there is kept as it is (the
        // server starts even when the registry is away), and a pull cut short resumes from the blobs already written.
        var pull = new V1Container
        {
            Name = "pull-models",
            Image = App.Image,
            Command = ["sh", "-c", PullScript],
            Env =
            [
                Pods.Env("OLLAMA_HOST", $"127.0.0.1:{Port}"),
                .. container.Env.Where(e => e.Name is not ("OLLAMA_HOST" or "OLLAMA_KEEP_ALIVE")),
                Pods.Env("OLLAMA_PULL", string.Join(' ', App.Models)),
            ],
            Resources = Pods.Resources(App.Resources),
            SecurityContext = Pods.Restricted(Pods.OtherUser),
            VolumeMounts = container.VolumeMounts,
        };
        var pod = Pods.PodSpec(App, NodeRole.Compute, [container], [new() { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }], Pods.OtherUser, terminationGrace: 30);
        if (App.Models.Count > 0)
        {
            pod.InitContainers = [pull];
        }
        var statefulSet = new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = Meta.Object(App.Name, App.Namespace, App.Name),
            Spec = new V1StatefulSetSpec
            {
                ServiceName = App.Name,
                Replicas = App.Replicas,
                Selector = new V1LabelSelector { MatchLabels = labels },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = pod,
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = "models" },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            StorageClassName = Longhorn.StorageClass,
                            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(App.Storage ?? DefaultStorage) } },
                        },
                    },
                ],
            },
        };
        return new ComponentRender([],
        [
            new("service-account.yaml", [Pods.ServiceAccount(App)]),
            new("stateful-set.yaml", [statefulSet]),
            new("service.yaml", [Pods.Service(App, Port, "http")]),
            new("pod-disruption-budget.yaml", [Pods.Pdb(App)]),
        ]);
    }
}
