using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>Seed step 2: NATS with JetStream on file storage, the event bus between the receiver and the orchestrator.</summary>
internal sealed class Nats : IComponent
{
    public const string Name = "nats";
    public static readonly ChartPin Pin = new("https://nats-io.github.io/k8s/helm/charts/", "nats", "2.14.2");
    public const int Port = 4222;

    public static string Url(PlatformSpec spec) => $"nats://{Meta.Dns(Name, spec.Nats.Namespace)}:{Port}";

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = spec.Nats.Namespace,
        Step = 2,
        Parts = [new(Name, spec.Nats.Namespace, "platform", [Longhorn.Name])],
        Charts = [Pin],
        CrdsUsed = [MonitoringCrds.PodMonitor],
        Metrics = [new(Name, 7777)],
        Storage = [new(Name, spec.Nats.Storage, $"JetStream's file store on each of {spec.Nats.Replicas} servers") { Claims = spec.Nats.Replicas }],
    };

    public ComponentRender Render(PlatformModel model) => new(
    [
        new(Pin, Name, new JsonObject
        {
            ["config"] = new JsonObject
            {
                ["cluster"] = new JsonObject { ["enabled"] = true, ["replicas"] = model.Spec.Nats.Replicas },
                ["jetstream"] = new JsonObject
                {
                    ["enabled"] = true,
                    ["fileStore"] = new JsonObject
                    {
                        ["enabled"] = true,
                        ["pvc"] = new JsonObject { ["enabled"] = true, ["size"] = model.Spec.Nats.Storage, ["storageClassName"] = Longhorn.StorageClass },
                    },
                    ["memoryStore"] = new JsonObject { ["enabled"] = false },
                },
                ["monitor"] = new JsonObject { ["enabled"] = true },
            },
            ["promExporter"] = new JsonObject { ["enabled"] = true, ["podMonitor"] = new JsonObject { ["enabled"] = true } },
            ["podTemplate"] = new JsonObject
            {
                ["topologySpreadConstraints"] = new JsonObject
                {
                    ["kubernetes.io/hostname"] = new JsonObject { ["maxSkew"] = 1, ["whenUnsatisfiable"] = "DoNotSchedule" },
                },
            },
            ["natsBox"] = new JsonObject { ["enabled"] = false },
        }),
    ], []);
}
