namespace Helix.Platform.Spec;

// The spec a platform engineer writes (platform/helix.yaml). Keys are the camelCase property
// names; enum values are kebab-case. Secrets never appear as values: only the names of
// Kubernetes Secrets (SOPS-encrypted in the GitOps repo) or of Terraform variables.

/// <summary>The whole platform: the seed architecture, as data.</summary>
internal sealed record PlatformSpec
{
    /// <summary>Platform name: prefixes cloud resources and labels everything Helix renders.</summary>
    public required string Name { get; init; }

    public required ClusterSpec Cluster { get; init; }

    public required InfraSpec Infra { get; init; }

    /// <summary>Talos node pools: infra, db, compute and egress in the seed.</summary>
    public required List<NodePoolSpec> NodePools { get; init; }

    /// <summary>Network zones, each default-deny; the seed has platform, app and db.</summary>
    public required List<ZoneSpec> Zones { get; init; }

    /// <summary>DNS domains the platform serves; each gets a zone, records and certificates.</summary>
    public required List<DomainSpec> Domains { get; init; }

    /// <summary>Public entry points through Traefik.</summary>
    public List<RouteSpec> Routes { get; init; } = [];

    public required GitOpsSpec GitOps { get; init; }

    public required SupplyChainSpec SupplyChain { get; init; }

    public required DataSpec Data { get; init; }

    public ObservabilitySpec Observability { get; init; } = new();

    /// <summary>The platform's internal apps: webhook receiver, orchestrator, remediation, Ollama, Steel.</summary>
    public required List<AppSpec> Apps { get; init; }

    public NatsSpec Nats { get; init; } = new();

    /// <summary>Onboarded customer workloads.</summary>
    public List<TenantSpec> Tenants { get; init; } = [];

    /// <summary>The price table the cost analysis is computed from.</summary>
    public CostsSpec Costs { get; init; } = new();
}

/// <summary>
/// Monthly list prices, each with its date and source, in one currency for the totals (others are
/// converted at <see cref="ExchangeRates"/>). What has no price is shown as unpriced, never guessed.
/// </summary>
internal sealed record CostsSpec
{
    /// <summary>The currency of the totals (ISO 4217), such as <c>EUR</c>.</summary>
    public string Currency { get; init; } = "EUR";

    /// <summary>Units of <see cref="Currency"/> for one unit of another currency, such as <c>USD: 0.86</c>.</summary>
    public Dictionary<string, decimal> ExchangeRates { get; init; } = [];

    public List<PriceSpec> Prices { get; init; } = [];
}

/// <summary>
/// One price: what it is for (<c>server/cpx31</c>, <c>load-balancer/lb11</c>, <c>primary-ipv4</c>,
/// <c>floating-ipv4</c>, <c>object-storage-gb</c>, <c>dns-zone</c>, <c>kms-key</c>), per month
/// (per GB and month for storage), and where and when it was read.
/// </summary>
internal sealed record PriceSpec
{
    /// <summary>Who charges it: <c>hetzner</c> or <c>aws</c>.</summary>
    public required string Provider { get; init; }

    public required string Item { get; init; }

    public required decimal Price { get; init; }

    /// <summary>The price's currency; the table's when not given.</summary>
    public string? Currency { get; init; }

    /// <summary>When the price was recorded (<c>yyyy-mm-dd</c>).</summary>
    public required string Date { get; init; }

    /// <summary>The page it was read from.</summary>
    public required string Source { get; init; }

    /// <summary>For a server: its vCPUs, memory and local disk, for capacity and per-tenant figures.</summary>
    public int? Vcpus { get; init; }

    public int? MemoryGb { get; init; }

    public int? DiskGb { get; init; }
}

internal sealed record ClusterSpec
{
    /// <summary>Talos Linux version of every node, such as <c>v1.13.9</c>.</summary>
    public required string TalosVersion { get; init; }

    public required string KubernetesVersion { get; init; }

    public string PodCidr { get; init; } = "10.244.0.0/16";

    public string ServiceCidr { get; init; } = "10.96.0.0/12";
}

internal sealed record InfraSpec
{
    public required HetznerSpec Hetzner { get; init; }

    public required AwsSpec Aws { get; init; }

    public required NetBirdSpec NetBird { get; init; }

    /// <summary>
    /// Addresses of the floating IPs that NAT the egress of AI, scraper and browser pods, one per
    /// egress node (Terraform allocates them; write its output here).
    /// </summary>
    public required List<string> NatEgressIps { get; init; }
}

internal sealed record HetznerSpec
{
    public required string Location { get; init; }

    public string NetworkZone { get; init; } = "eu-central";

    public string NetworkCidr { get; init; } = "10.0.0.0/16";

    public string LoadBalancerType { get; init; } = "lb11";
}

internal sealed record AwsSpec
{
    public required string Region { get; init; }

    /// <summary>S3 bucket of the Terraform state (native locking).</summary>
    public required string StateBucket { get; init; }

    /// <summary>The GitHub repository (<c>owner/name</c>) whose Actions may assume the OIDC role.</summary>
    public required string GitHubRepository { get; init; }

    public string Branch { get; init; } = "main";

    /// <summary>The AWS account of the KMS key, state bucket and OIDC role (12 digits).</summary>
    public required string AccountId { get; init; }
}

internal sealed record NetBirdSpec
{
    public required string ManagementUrl { get; init; }

    /// <summary>Name of the secret holding the setup key for CI's ephemeral peers.</summary>
    public required string SetupKeySecret { get; init; }

    /// <summary>Where operators SSH to the NetBird server from (its only SSH ingress); nothing else of the platform takes SSH.</summary>
    public required List<string> AdminCidrs { get; init; }
}

internal enum NodeRole
{
    Infra,
    Db,
    Compute,
    Egress,
}

internal sealed record NodePoolSpec
{
    public required string Name { get; init; }

    public required NodeRole Role { get; init; }

    /// <summary>Hetzner server type, such as <c>cpx41</c>.</summary>
    public required string ServerType { get; init; }

    public required int Count { get; init; }

    public Dictionary<string, string> Labels { get; init; } = [];
}

internal sealed record ZoneSpec
{
    public required string Name { get; init; }

    /// <summary>Namespaces of platform components in this zone (tenants and apps name their own).</summary>
    public List<string> Namespaces { get; init; } = [];
}

internal enum CertificateIssuer
{
    LetsencryptProduction,
    LetsencryptStaging,
}

internal sealed record DomainSpec
{
    public required string Name { get; init; }

    public CertificateIssuer Issuer { get; init; } = CertificateIssuer.LetsencryptProduction;
}

internal enum RouteAuth
{
    /// <summary>Authentik ForwardAuth in front of the route.</summary>
    Sso,

    /// <summary>No gate: the app authenticates its callers itself.</summary>
    Public,

    /// <summary>Straight to the webhook receiver, which verifies each delivery's HMAC.</summary>
    Webhook,
}

internal sealed record RouteSpec
{
    public required string Host { get; init; }

    public string Path { get; init; } = "/";

    /// <summary>An app of <see cref="PlatformSpec.Apps"/> or a platform UI (argocd, devtron, grafana, authentik).</summary>
    public required string To { get; init; }

    public required RouteAuth Auth { get; init; }
}

internal sealed record GitOpsSpec
{
    public required string RepoUrl { get; init; }

    public string Branch { get; init; } = "main";

    /// <summary>Name of the secret ArgoCD reads the repository credentials from.</summary>
    public required string CredentialsSecret { get; init; }
}

internal enum PolicyMode
{
    Audit,
    Enforce,
}

internal sealed record SupplyChainSpec
{
    /// <summary>Registries images may come from, such as <c>ghcr.io/acme</c>.</summary>
    public required List<string> Registries { get; init; }

    public required CosignSpec Cosign { get; init; }

    /// <summary>Kyverno's verifyImages mode: the seed's step 7 starts in audit, then enforces.</summary>
    public PolicyMode Mode { get; init; } = PolicyMode.Audit;
}

/// <summary>Keyless cosign: which CI identity must have signed.</summary>
internal sealed record CosignSpec
{
    public string Issuer { get; init; } = "https://token.actions.githubusercontent.com";

    /// <summary>Certificate subject, such as <c>https://github.com/acme/platform/.github/workflows/images.yml@refs/heads/main</c>.</summary>
    public required string Subject { get; init; }
}

internal sealed record DataSpec
{
    public required PostgresSpec Postgres { get; init; }

    public RedisSpec Redis { get; init; } = new();

    public LonghornSpec Longhorn { get; init; } = new();
}

internal enum PoolMode
{
    Transaction,
    Session,
}

internal sealed record PostgresSpec
{
    public int Instances { get; init; } = 3;

    public string Storage { get; init; } = "50Gi";

    public PoolerSpec Pooler { get; init; } = new();

    public required BackupSpec Backup { get; init; }
}

internal sealed record PoolerSpec
{
    public PoolMode Mode { get; init; } = PoolMode.Transaction;

    public int Instances { get; init; } = 2;
}

internal sealed record BackupSpec
{
    /// <summary>S3 bucket for base backups and WAL (Barman Cloud plugin).</summary>
    public required string Bucket { get; init; }

    /// <summary>Six-field cron of the ScheduledBackup (seconds first, as CNPG expects).</summary>
    public string Schedule { get; init; } = "0 0 3 * * *";

    public string Retention { get; init; } = "30d";
}

internal sealed record RedisSpec
{
    public int Replicas { get; init; } = 3;

    public string Storage { get; init; } = "8Gi";
}

internal sealed record LonghornSpec
{
    public int Replicas { get; init; } = 3;

    public string DataPath { get; init; } = "/var/lib/longhorn";
}

internal sealed record ObservabilitySpec
{
    public string MetricsRetention { get; init; } = "15d";

    public string MetricsStorage { get; init; } = "50Gi";

    public string LogsRetention { get; init; } = "14d";
}

internal enum AppKind
{
    WebhookReceiver,
    Orchestrator,
    Remediation,
    Ollama,
    Steel,
}

internal sealed record AppSpec
{
    public required string Name { get; init; }

    public required AppKind Kind { get; init; }

    public required string Namespace { get; init; }

    /// <summary>Image reference, pinned by digest once released (<c>helix release</c>).</summary>
    public required string Image { get; init; }

    public int Replicas { get; init; } = 2;

    public ResourcesSpec Resources { get; init; } = new();

    /// <summary>Size of the app's data volume, for those that keep data (Ollama's models); none by default.</summary>
    public string? Storage { get; init; }

    /// <summary>Leaves the cluster only through the egress gateway (AI/scraper pods, Steel).</summary>
    public bool Egress { get; init; }

    /// <summary>Webhook providers the receiver accepts (only for an app of kind <c>webhook-receiver</c>).</summary>
    public List<WebhookSourceSpec> Webhooks { get; init; } = [];

    /// <summary>How the Remediation Service acts (only for an app of kind <c>remediation</c>).</summary>
    public RemediationSpec? Remediation { get; init; }

    /// <summary>Which workflow runs for which webhook events (only for an app of kind <c>orchestrator</c>).</summary>
    public List<EventRouteSpec> Events { get; init; } = [];

    /// <summary>
    /// For an upstream app (Ollama, Steel): the image it is mirrored from, <c>name:tag</c>. The images
    /// workflow copies it into the platform's registry (as <see cref="Image"/>'s repository at that
    /// tag), scans, signs and attests the copy, and the promotion pull request pins its digest.
    /// </summary>
    public string? Upstream { get; init; }

    /// <summary>Ollama: the models pulled onto its volume at start-up; the first is the Orchestrator's default.</summary>
    public List<string> Models { get; init; } = [];
}

/// <summary>Events of a receiver source (and type) start a workflow of the Orchestrator.</summary>
internal sealed record EventRouteSpec
{
    /// <summary>A webhook source of the receiver.</summary>
    public required string Source { get; init; }

    /// <summary>The provider's event type, or <c>*</c> for any.</summary>
    public string Type { get; init; } = "*";

    /// <summary>One of the Orchestrator's workflows: <c>research</c>, <c>smoke</c>.</summary>
    public required string Workflow { get; init; }
}

/// <summary>What the Remediation Service does with a bad rollout.</summary>
internal sealed record RemediationSpec
{
    /// <summary><c>act</c> opens rollback pull requests, <c>dry-run</c> only records what it would do, <c>off</c> is the kill switch.</summary>
    public RemediationMode Mode { get; init; } = RemediationMode.Act;

    /// <summary>Merge a rollback pull request once its checks pass, where the repository allows auto-merge.</summary>
    public bool AutoMerge { get; init; }

    /// <summary>After a rollback pull request, the application is left alone this long (a duration such as <c>1h</c>).</summary>
    public string Cooldown { get; init; } = "1h";
}

internal enum RemediationMode
{
    Act,
    DryRun,
    Off,
}

internal enum WebhookScheme
{
    StandardWebhooks,
    Github,
    Stripe,
    Slack,
    Shopify,
}

/// <summary>One provider posting to <c>/webhooks/{name}</c>.</summary>
internal sealed record WebhookSourceSpec
{
    /// <summary>The URL segment and event subject token.</summary>
    public required string Name { get; init; }

    /// <summary>How the provider signs its deliveries.</summary>
    public required WebhookScheme Scheme { get; init; }

    /// <summary>Name of the Secret (SOPS-encrypted in the GitOps repo) whose key <c>secret</c> holds the signing secret.</summary>
    public required string Secret { get; init; }

    /// <summary>
    /// For github and shopify, which sign no delivery id or time: refuse a signed body seen again under
    /// another delivery id within this many minutes or hours (<c>1h</c>). Identical genuine bodies in
    /// the window count as one.
    /// </summary>
    public string? ReplayWindow { get; init; }
}

internal sealed record ResourcesSpec
{
    public string Cpu { get; init; } = "250m";

    public string Memory { get; init; } = "256Mi";

    public string MemoryLimit { get; init; } = "512Mi";
}

internal sealed record NatsSpec
{
    public int Replicas { get; init; } = 3;

    public string Storage { get; init; } = "10Gi";

    public string Namespace { get; init; } = "nats";
}

public sealed record TenantSpec
{
    public required string Name { get; init; }

    public string Zone { get; init; } = "app";

    public required string Team { get; init; }

    public QuotaSpec Quota { get; init; } = new();

    /// <summary>Connections this tenant's workloads may open beyond its own namespace.</summary>
    public List<FlowSpec> Flows { get; init; } = [];

    /// <summary>
    /// The port its pods serve <c>/metrics</c> on (a container port named <c>metrics</c>): Prometheus
    /// scrapes the pods labelled <c>helix.io/metrics: "true"</c> there, and only there.
    /// </summary>
    public int MetricsPort { get; init; } = 9090;
}

public sealed record QuotaSpec
{
    public string Cpu { get; init; } = "4";

    public string Memory { get; init; } = "8Gi";

    public int Pods { get; init; } = 50;
}

public sealed record FlowSpec
{
    /// <summary>An app, a tenant, or a platform service (postgres-pooler, redis, nats).</summary>
    public required string To { get; init; }

    public required int Port { get; init; }
}
