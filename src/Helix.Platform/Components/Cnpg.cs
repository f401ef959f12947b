using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 2: CloudNativePG (operator and Barman Cloud backup plugin), the platform's PostgreSQL
/// cluster on the db pool, a database and role per consumer, and PgBouncer in front of it.
/// </summary>
internal sealed class Cnpg : IComponent
{
    public const string Name = "cnpg";
    public const string OperatorNamespace = "cnpg-system";
    public const string Namespace = "postgres";
    public static readonly ChartPin Pin = new("https://cloudnative-pg.github.io/charts", "cloudnative-pg", "0.29.0");
    public static readonly ChartPin BarmanCloudPin = new("https://cloudnative-pg.github.io/charts", "plugin-barman-cloud", "0.7.0");
    public const string PostgresImage = "ghcr.io/cloudnative-pg/postgresql:17.5";

    /// <summary>The cluster's part and name; its primary's Service is <c>postgres-rw</c>.</summary>
    public const string Cluster = "postgres";

    /// <summary>The pooler's part and Service name.</summary>
    public const string Pooler = "postgres-pooler";

    public const int Port = 5432;
    public const string BarmanPlugin = "barman-cloud.cloudnative-pg.io";
    private const string ObjectStore = "postgres-backups";
    public const string Group = "postgresql.cnpg.io";

    /// <summary>Where clients connect: the pooler.</summary>
    public static string PoolerHost => Meta.Dns(Pooler, Namespace);

    /// <summary>
    /// A second PgBouncer, in session mode, for clients that need a session of their own (Devtron: its
    /// golang-migrate migrations hold session-level advisory locks, and its services were written for a
    /// direct connection).
    /// </summary>
    public const string SessionPooler = "postgres-pooler-session";

    public static string SessionPoolerHost => Meta.Dns(SessionPooler, Namespace);

    /// <summary>The primary, direct: for schema migrations, which take session-level locks.</summary>
    public static string PrimaryHost => Meta.Dns($"{Cluster}-rw", Namespace);

    /// <summary>The Secret holding a consumer role's password (CNPG's managed role reads it here).</summary>
    public static string RoleSecret(string user) => $"postgres-{user}";

    /// <summary>Databases on the cluster: one role and database per consumer, named after it.</summary>
    public static IReadOnlyList<string> DatabaseUsers(PlatformSpec spec) =>
        PlatformDatabaseUsers
            .Concat(spec.Apps.Where(a => a.Kind is AppKind.Orchestrator or AppKind.Remediation).Select(a => a.Name))
            .ToList();

    private static readonly string[] PlatformDatabaseUsers = [Authentik.Name, Devtron.Name];

    /// <summary>Each consumer's databases, owned by its role: one named after it, or those it names (Devtron).</summary>
    public static IEnumerable<(string User, string Database)> Databases(PlatformSpec spec) =>
        DatabaseUsers(spec).SelectMany(u => u == Devtron.Name ? Devtron.Databases.Select(d => (u, d)) : [(u, u.Replace('-', '_'))]);

    /// <summary>The cluster's account (CNPG names it after the cluster): its Barman Cloud sidecar writes the backups with it.</summary>
    private static AwsIdentity Backups => new(Namespace, Cluster, "base backups and WAL archive in the backup bucket",
    [
        new(AwsResource.BackupBucket, ["s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
        new(AwsResource.PlatformKey, ["kms:Decrypt", "kms:GenerateDataKey"]),
    ]);

    /// <summary>CNPG mounts the projected volume template here in every instance, and the plugin's sidecar with it.</summary>
    private const string Projected = "/projected";

    public ComponentDeclaration Declare(PlatformSpec spec)
    {
        var pg = spec.Data.Postgres;
        var region = spec.Infra.Aws.Region;
        return new()
        {
            Name = Name,
            Namespace = OperatorNamespace,
            Step = 2,
            Parts =
            [
                new(Name, OperatorNamespace, "platform", [Longhorn.Name, CertManager.Name]),
                new(Cluster, Namespace, "db", [Name])
                {
                    PodLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["cnpg.io/cluster"] = Cluster, ["cnpg.io/podRole"] = "instance" },
                },
                new(Pooler, Namespace, "db", [Cluster])
                {
                    PodLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["cnpg.io/poolerName"] = Pooler },
                },
                new(SessionPooler, Namespace, "db", [Cluster])
                {
                    PodLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["cnpg.io/poolerName"] = SessionPooler },
                },
            ],
            Charts = [Pin, BarmanCloudPin],
            Flows =
            [
                new(Pooler, Cluster, Port, "pooled connections"),
                new(SessionPooler, Cluster, Port, "session-pooled connections"),
                new(Name, Cluster, 8000, "instance manager status"),
            ],
            Metrics = [new(Name, 8080), new(Cluster, 9187), new(Pooler, 9127), new(SessionPooler, 9127)],
            PeerFlows =
            [
                PeerFlow.KubernetesApi(Name),
                PeerFlow.AdmissionWebhook(Name, 9443),
                PeerFlow.KubernetesApi(Cluster),
                new(Cluster, Peer.World, true, [443], "backups to S3", [$"s3.{region}.amazonaws.com", $"*.s3.{region}.amazonaws.com", WorkloadIdentity.StsHost(spec)]),
                PeerFlow.KubernetesApi(Pooler),
                PeerFlow.KubernetesApi(SessionPooler),
            ],
            Secrets =
            [
                .. DatabaseUsers(spec).Select(u => new SecretNeed(Namespace, RoleSecret(u), ["password", "username"], SecretCreator.Operator, $"the password of role {u}")
                {
                    Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal) { ["username"] = KeySource.Literal(u) },
                }),
            ],
            CrdsInstalled =
            [
                new(Group, "Cluster"), new(Group, "Database"), new(Group, "Pooler"), new(Group, "ScheduledBackup"), new(Group, "Backup"),
                new("barmancloud.cnpg.io", "ObjectStore"),
            ],
            CrdsUsed = [new(Group, "Cluster"), new(Group, "Database"), new(Group, "Pooler"), new(Group, "ScheduledBackup"), new("barmancloud.cnpg.io", "ObjectStore"), MonitoringCrds.PodMonitor],
            NodePools = [NodeRole.Db],
            Storage = [new(Cluster, pg.Storage, $"each of {pg.Instances} instances") { Claims = pg.Instances }],
            AwsIdentities = [Backups],
        };
    }

    public ComponentRender Render(PlatformModel model)
    {
        var pg = model.Spec.Data.Postgres;
        var users = DatabaseUsers(model.Spec);
        var objectStore = new Resource<ObjectStoreSpec>("barmancloud.cnpg.io/v1", "ObjectStore",
            Meta.Object(ObjectStore, Namespace, Name, annotations: Meta.Wave(1)),
            new ObjectStoreSpec(pg.Backup.Retention, new ObjectStoreConfiguration(
                $"s3://{pg.Backup.Bucket}/",
                // The sidecar assumes the backup role with the instance's projected token: no static key.
                new S3Credentials(InheritFromIAMRole: true),
                new CompressionSettings("gzip"), new CompressionSettings("gzip")),
                new ObjectStoreSidecar([.. WorkloadIdentity.Variables(model.Spec, Backups, Projected).Select(v => Pods.Env(v.Name, v.Value))])));
        var cluster = new Resource<CnpgClusterSpec>($"{Group}/v1", "Cluster",
            Meta.Object(Cluster, Namespace, Name, annotations: Meta.Wave(1)),
            new CnpgClusterSpec(
                pg.Instances,
                PostgresImage,
                new CnpgStorage(pg.Storage, Longhorn.StorageClass),
                new CnpgAffinity(true, "required", "kubernetes.io/hostname", Meta.NodeSelector(NodeRole.Db), Meta.Tolerations(NodeRole.Db)),
                new CnpgPostgresConfiguration(new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["max_connections"] = "200",
                    ["shared_buffers"] = "512MB",
                    ["log_min_duration_statement"] = "1s",
                }),
                new CnpgBootstrap(new CnpgInitDb("app", "app")),
                new CnpgManaged(users.Select(u => new CnpgRole(u, "present", true, new NameRef(RoleSecret(u)))).ToList()),
                [new CnpgPlugin(BarmanPlugin, true, new Dictionary<string, string>(StringComparer.Ordinal) { ["barmanObjectName"] = ObjectStore })],
                new CnpgMonitoring(true),
                new V1ResourceRequirements
                {
                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1"), ["memory"] = new("2Gi") },
                    Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("2Gi") },
                },
                new V1ProjectedVolumeSource
                {
                    Sources =
                    [
                        new V1VolumeProjection
                        {
                            ServiceAccountToken = new V1ServiceAccountTokenProjection { Audience = WorkloadIdentity.Audience, ExpirationSeconds = 3600, Path = WorkloadIdentity.TokenFile },
                        },
                    ],
                }));
        // A consumer with one database names the object after its role's Secret, as it always has; more are told apart by database.
        var databases = Databases(model.Spec).Select(d => (object)new Resource<CnpgDatabaseSpec>($"{Group}/v1", "Database",
            Meta.Object(d.Database == d.User.Replace('-', '_') ? RoleSecret(d.User) : $"{RoleSecret(d.User)}-{d.Database.Replace('_', '-')}", Namespace, Name,
                annotations: Meta.Wave(2)),
            new CnpgDatabaseSpec(d.Database, d.User, new NameRef(Cluster), "present"))).ToList();
        var pooler = Bouncer(Pooler, pg.Pooler.Instances, SpecBinder.Kebab(pg.Pooler.Mode.ToString()), new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["max_client_conn"] = "1000",
            ["default_pool_size"] = "20",
            // Clients prepare statements at protocol level; PgBouncer 1.21+ keeps them per server connection.
            ["max_prepared_statements"] = "200",
        });
        // A server connection per client session: sized for Devtron's services and its migrations, well inside max_connections.
        var sessionPooler = Bouncer(SessionPooler, pg.Pooler.Instances, "session", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["max_client_conn"] = "200",
            ["default_pool_size"] = "40",
        });
        var backup = new Resource<ScheduledBackupSpec>($"{Group}/v1", "ScheduledBackup",
            Meta.Object("postgres-daily", Namespace, Name, annotations: Meta.Wave(2)),
            new ScheduledBackupSpec(pg.Backup.Schedule, true, "self", new NameRef(Cluster), "plugin", new NameRef(BarmanPlugin)));

        return new ComponentRender(
        [
            new(Pin, Name, new JsonObject
            {
                ["replicaCount"] = 2,
                ["monitoring"] = new JsonObject { ["podMonitorEnabled"] = true, ["grafanaDashboard"] = new JsonObject { ["create"] = true } },
                ["config"] = new JsonObject { ["clusterWide"] = true },
            }),
            new(BarmanCloudPin, "barman-cloud", new JsonObject()),
        ],
        [
            new ManifestFile("object-store.yaml", [objectStore]),
            new ManifestFile("cluster.yaml", [cluster]),
            new ManifestFile("databases.yaml", databases),
            new ManifestFile("pooler.yaml", [pooler, sessionPooler]),
            new ManifestFile("scheduled-backup.yaml", [backup]),
        ]);
    }

    private static Resource<CnpgPoolerSpec> Bouncer(string name, int instances, string mode, Dictionary<string, string> parameters) =>
        new($"{Group}/v1", "Pooler",
            Meta.Object(name, Namespace, Name, annotations: Meta.Wave(2)),
            new CnpgPoolerSpec(new NameRef(Cluster), instances, "rw",
                new PgBouncerSpec(mode, parameters),
                new CnpgMonitoring(true),
                new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec
                    {
                        Containers = [],
                        NodeSelector = Meta.NodeSelector(NodeRole.Db),
                        Tolerations = Meta.Tolerations(NodeRole.Db),
                    },
                }));
}
