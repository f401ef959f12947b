using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 3: Authentik, the identity provider and ForwardAuth outpost, on the platform's
/// PostgreSQL. Since 2025.10 Authentik keeps its cache and tasks in PostgreSQL: the seed's Redis
/// arrow is gone with the pinned version (see decisions.md).
/// </summary>
internal sealed class Authentik : IComponent
{
    public const string Name = "authentik";
    public const string Namespace = "authentik";
    public static readonly ChartPin Pin = new("https://charts.goauthentik.io", "authentik", "2026.2.3");
    public const int Port = 9000;

    /// <summary>The path of the embedded outpost on every host it protects.</summary>
    public const string OutpostPath = "/outpost.goauthentik.io/";

    private const string Server = "authentik-server";
    private const string Secret = "authentik-secrets";

    public static string ServerUrl => $"http://{Meta.Dns(Server, Namespace)}";

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Namespace,
        Step = 3,
        Parts = [new(Name, Namespace, "platform", [Cnpg.Pooler, Traefik.Name])],
        Charts = [Pin],
        CrdsUsed = [MonitoringCrds.ServiceMonitor],
        Flows =
        [
            new(Name, Cnpg.Pooler, Cnpg.Port, "database"),
        ],
        Metrics = [new(Name, 9300)],
        RouteTargets = [new(Name, Name, Server, Namespace, 80, Port)],
        Secrets =
        [
            new(Namespace, Secret, ["AUTHENTIK_POSTGRESQL__PASSWORD", "AUTHENTIK_SECRET_KEY"], SecretCreator.Operator, "the signing key and the database password")
            {
                Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal)
                {
                    ["AUTHENTIK_POSTGRESQL__PASSWORD"] = KeySource.Same(Cnpg.Namespace, Cnpg.RoleSecret(Name), "password"),
                },
            },
            // Each OIDC client's secret: Argo CD's is its own Secret's value; Devtron's is made here, its one source.
            new(Namespace, AuthentikBlueprint.ClientSecrets, [.. AuthentikBlueprint.OidcClients.Select(c => c.Slug)], SecretCreator.Operator,
                "the OIDC clients' secrets the blueprint gives Authentik")
            {
                Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal)
                {
                    [ArgoCd.Name] = KeySource.Same(ArgoCd.Namespace, ArgoCd.OidcSecret, "clientSecret"),
                },
            },
        ],
    };

    public ComponentRender Render(PlatformModel model) => new(
    [
        new(Pin, Name, new JsonObject
        {
            ["global"] = new JsonObject
            {
                // AUTHENTIK_SECRET_KEY and AUTHENTIK_POSTGRESQL__PASSWORD, SOPS-encrypted in this folder.
                ["envFrom"] = new JsonArray(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = Secret } }),
                ["env"] = new JsonArray(
                [
                    // PgBouncer in transaction mode cannot hold server-side cursors across transactions.
                    new JsonObject { ["name"] = "AUTHENTIK_POSTGRESQL__DISABLE_SERVER_SIDE_CURSORS", ["value"] = "true" },
                    // The blueprint reads each OIDC client's secret with !Env.
                    .. AuthentikBlueprint.OidcClients.Select(c => (JsonNode)new JsonObject
                    {
                        ["name"] = c.SecretVariable,
                        ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = AuthentikBlueprint.ClientSecrets, ["key"] = c.Slug } },
                    }),
                ]),
            },
            ["blueprints"] = new JsonObject { ["configMaps"] = new JsonArray(AuthentikBlueprint.ConfigMap) },
            ["authentik"] = new JsonObject
            {
                ["postgresql"] = new JsonObject { ["host"] = Cnpg.PoolerHost, ["name"] = Name, ["user"] = Name, ["port"] = Cnpg.Port },
                ["error_reporting"] = new JsonObject { ["enabled"] = false },
            },
            ["server"] = new JsonObject
            {
                ["replicas"] = 2,
                ["pdb"] = new JsonObject { ["enabled"] = true },
                ["metrics"] = new JsonObject { ["enabled"] = true, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            },
            ["worker"] = new JsonObject { ["replicas"] = 2, ["pdb"] = new JsonObject { ["enabled"] = true } },
            ["postgresql"] = new JsonObject { ["enabled"] = false },
        }),
    ],
    [
        new ManifestFile("blueprints.yaml",
        [
            new V1ConfigMap
            {
                ApiVersion = "v1",
                Kind = "ConfigMap",
                Metadata = Meta.Object(AuthentikBlueprint.ConfigMap, Namespace, Name),
                Data = new Dictionary<string, string>(StringComparer.Ordinal) { [AuthentikBlueprint.File] = AuthentikBlueprint.Render(model) },
            },
        ]),
    ]);
}
