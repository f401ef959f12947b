using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>Seed step 2: Redis with Sentinel behind HAProxy, on the db pool, password-protected.</summary>
internal sealed class Redis : IComponent
{
    public const string Name = "redis";
    public const string Namespace = "redis";
    public static readonly ChartPin Pin = new("https://dandydeveloper.github.io/charts", "redis-ha", "4.39.0");
    public const int Port = 6379;

    /// <summary>The Secret with the password (key <c>password</c>), in Redis' namespace and in each client's.</summary>
    public const string AuthSecret = "redis-auth";

    /// <summary>Where clients connect: HAProxy, which always points at the master.</summary>
    public static string Host => Meta.Dns("redis-haproxy", Namespace);

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Namespace,
        Step = 2,
        Parts = [new(Name, Namespace, "db", [Longhorn.Name])],
        Charts = [Pin],
        Metrics = [new(Name, 9121)],
        Secrets = [new(Namespace, AuthSecret, ["password"], SecretCreator.Operator, "Redis' password")],
        NodePools = [NodeRole.Db],
        Storage = [new(Name, spec.Data.Redis.Storage, $"each of {spec.Data.Redis.Replicas} replicas") { Claims = spec.Data.Redis.Replicas }],
    };

    public ComponentRender Render(PlatformModel model) => new(
    [
        new(Pin, Name, new JsonObject
        {
            ["fullnameOverride"] = Name,
            ["replicas"] = model.Spec.Data.Redis.Replicas,
            ["hardAntiAffinity"] = true,
            ["auth"] = true,
            ["existingSecret"] = AuthSecret,
            ["authKey"] = "password",
            ["persistentVolume"] = new JsonObject { ["enabled"] = true, ["size"] = model.Spec.Data.Redis.Storage, ["storageClass"] = Longhorn.StorageClass },
            ["haproxy"] = new JsonObject { ["enabled"] = true, ["replicas"] = 2, ["metrics"] = new JsonObject { ["enabled"] = true } },
            ["exporter"] = new JsonObject { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["nodeSelector"] = Values.Map(Meta.NodeSelector(NodeRole.Db)),
            ["tolerations"] = Values.Tolerations(Meta.Tolerations(NodeRole.Db)),
        }),
    ], []);
}
