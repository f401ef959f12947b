using System.Globalization;
using System.Text.Json.Nodes;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Docs;

/// <summary>One billable line: what Terraform creates (or the data it stores), how many, at what price.</summary>
/// <param name="Provider">hetzner or aws.</param>
/// <param name="Item">The price table's item, such as <c>server/cpx31</c>.</param>
/// <param name="What">What it is in the platform, such as <c>node pool infra</c>.</param>
/// <param name="Quantity">How many units a month (servers, addresses, GB).</param>
/// <param name="UnitPrice">Price of one unit a month in the report's currency; null when the table has none.</param>
/// <param name="Basis">How the quantity was found.</param>
public sealed record CostLine(string Provider, string Item, string What, decimal Quantity, decimal? UnitPrice, string Basis)
{
    /// <summary>In cents: the table and its total add up as printed.</summary>
    public decimal? Monthly => UnitPrice is { } price ? decimal.Round(price * Quantity, 2) : null;
}

/// <summary>The platform at a number of tenants, each using its whole quota: the compute pool it takes, its monthly cost, and the cost per tenant.</summary>
public sealed record TenantScale(int Tenants, long ComputeNodes, decimal Monthly, decimal PerTenant);

/// <summary>Persistent volumes against the disks Longhorn may use.</summary>
/// <param name="ClaimedGb">Every volume the components claim, once.</param>
/// <param name="Replicas">Longhorn's replicas per volume.</param>
/// <param name="AvailableGb">Local disk on the pools Longhorn runs on; null when a server's disk has no price row saying it.</param>
public sealed record StorageFit(decimal ClaimedGb, int Replicas, decimal? AvailableGb)
{
    public decimal NeededGb => ClaimedGb * Replicas;
}

/// <summary>The monthly cost of the platform and what it scales with, computed from the spec's price table.</summary>
public sealed record CostReport(string Currency, IReadOnlyList<CostLine> Lines, IReadOnlyList<TenantScale> Scale, StorageFit Storage)
{
    /// <summary>The tenant counts the analysis is shown at.</summary>
    public static readonly int[] TenantCounts = [10, 50, 200];

    public decimal Total => Lines.Sum(l => l.Monthly ?? 0);

    public IReadOnlyList<CostLine> Unpriced => [.. Lines.Where(l => l.UnitPrice is null)];

    /// <summary>The price table it was computed with (for the cost document).</summary>
    internal IReadOnlyList<PriceSpec> Prices { get; init; } = [];
}

/// <summary>
/// Prices what the rendered Terraform creates (servers, load balancers, addresses, DNS zones, KMS
/// keys, buckets): the bill follows what exists, so the quantities are read from the same
/// resources <c>terraform apply</c> would create, never restated.
/// </summary>
public static class CostAnalysis
{
    /// <summary>What a node's kubelet and system daemons keep: the share of a server pods can be given.</summary>
    public const decimal Allocatable = 0.9m;

    public static CostReport Analyse(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Analyse(model, [.. RenderedTerraform.Resources(model)]);
    }

    /// <summary>The same, from Terraform's resources already rendered (the documents share one render).</summary>
    internal static CostReport Analyse(PlatformModel model, IReadOnlyList<(string Type, string Name, JsonObject Body)> terraform)
    {
        var spec = model.Spec;
        var lines = Billables(model, terraform).ToList();
        var storage = Storage(model);
        return new CostReport(spec.Costs.Currency, lines, Scale(model, lines), storage)
        {
            Prices = [.. spec.Costs.Prices.OrderBy(p => p.Provider, StringComparer.Ordinal).ThenBy(p => p.Item, StringComparer.Ordinal)],
        };
    }

    /// <summary>The price of one unit of <paramref name="item"/> in the table's currency, or null.</summary>
    internal static decimal? Price(CostsSpec costs, string provider, string item)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var row = Row(costs, provider, item);
        if (row is null)
        {
            return null;
        }
        var currency = row.Currency ?? costs.Currency;
        return currency == costs.Currency ? row.Price : costs.ExchangeRates.TryGetValue(currency, out var rate) ? row.Price * rate : null;
    }

    internal static PriceSpec? Row(CostsSpec costs, string provider, string item) =>
        costs.Prices.LastOrDefault(p => p.Provider == provider && p.Item == item);

    private static IEnumerable<CostLine> Billables(PlatformModel model, IReadOnlyList<(string Type, string Name, JsonObject Body)> terraform)
    {
        var spec = model.Spec;
        CostLine Line(string provider, string item, string what, decimal quantity, string basis) =>
            new(provider, item, what, quantity, Price(spec.Costs, provider, item), basis);

        var primaryIps = 0;
        foreach (var (type, name, resource) in terraform)
        {
            var count = resource["count"] is JsonValue c && c.TryGetValue<int>(out var n) ? n : 1;
            switch (type)
            {
                case "hcloud_server":
                    yield return Line("hetzner", $"server/{(string)resource["server_type"]!}", name == "netbird" ? "NetBird management server" : $"node pool {name}", count,
                        "servers Terraform creates");
                    // The provider gives a server a public IPv4 unless public_net turns it off.
                    if (resource["public_net"]?["ipv4_enabled"] is not JsonValue v || v.GetValue<bool>())
                    {
                        primaryIps += count;
                    }
                    break;
                case "hcloud_load_balancer":
                    yield return Line("hetzner", $"load-balancer/{(string)resource["load_balancer_type"]!}", $"{name} load balancer", count, "load balancers Terraform creates");
                    break;
                case "hcloud_floating_ip":
                    yield return Line("hetzner", "floating-ipv4", "egress IPs", count, "floating IPs of the egress gateway");
                    break;
                case "aws_route53_zone":
                    yield return Line("aws", "dns-zone", $"zone {(string)resource["name"]!}", count, "hosted zones (queries not counted)");
                    break;
                case "aws_kms_key":
                    yield return Line("aws", "kms-key", $"KMS key {name}", count, "customer-managed keys (requests not counted)");
                    break;
                case "aws_s3_bucket":
                    var bucket = (string)resource["bucket"]!;
                    yield return bucket == spec.Data.Postgres.Backup.Bucket
                        ? Line("aws", "object-storage-gb", $"bucket {bucket}", BackupGb(spec.Data.Postgres), BackupBasis(spec.Data.Postgres))
                        : Line("aws", "object-storage-gb", $"bucket {bucket}", 1,
                            bucket == Components.WorkloadIdentity.IssuerBucket(spec) ? "the issuer's discovery documents: under 1 GB" : "Terraform state: under 1 GB");
                    break;
            }
        }
        if (primaryIps > 0)
        {
            yield return Line("hetzner", "primary-ipv4", "servers' public IPv4", primaryIps, "one per server with a public IPv4");
        }
    }

    // An upper bound: one base backup a day, each of a full volume before compression, kept for the retention.
    private static decimal BackupGb(PostgresSpec pg) => decimal.Round(RetentionDays(pg.Backup.Retention) * Gb(pg.Storage), 2);

    private static string BackupBasis(PostgresSpec pg) =>
        $"at most: {RetentionDays(pg.Backup.Retention)} daily base backups of a full {pg.Storage} volume, before compression";

    private static int RetentionDays(string retention) =>
        retention.EndsWith('d') && int.TryParse(retention[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days) ? days : 30;

    /// <summary>A Kubernetes quantity in (decimal) gigabytes, as providers bill storage.</summary>
    public static decimal Gb(string quantity) => new ResourceQuantity(quantity).ToDecimal() / 1_000_000_000m;

    private static StorageFit Storage(PlatformModel model)
    {
        var claimed = model.Declarations.SelectMany(d => d.Storage).Sum(s => s.Claims * Gb(s.Size));
        var longhornPools = model.Declaration(Longhorn.Name).NodePools;
        decimal? available = 0m;
        foreach (var pool in model.Spec.NodePools.Where(p => longhornPools.Count == 0 || longhornPools.Contains(p.Role)))
        {
            available = Row(model.Spec.Costs, "hetzner", $"server/{pool.ServerType}")?.DiskGb is { } disk ? available + (pool.Count * disk) : null;
        }
        return new StorageFit(decimal.Round(claimed, 1), model.Spec.Data.Longhorn.Replicas, available);
    }

    private static List<TenantScale> Scale(PlatformModel model, IReadOnlyList<CostLine> lines)
    {
        var spec = model.Spec;
        var pool = spec.NodePools.FirstOrDefault(p => p.Role == NodeRole.Compute);
        var server = pool is null ? null : Row(spec.Costs, "hetzner", $"server/{pool.ServerType}");
        var serverPrice = pool is null ? null : Price(spec.Costs, "hetzner", $"server/{pool.ServerType}");
        if (pool is null || server is not { Vcpus: { } vcpus, MemoryGb: { } memory } || serverPrice is null)
        {
            return [];
        }
        var ipPrice = Price(spec.Costs, "hetzner", "primary-ipv4") ?? 0;
        var quota = spec.Tenants.Count > 0 ? spec.Tenants.Select(t => t.Quota).ToList() : [new QuotaSpec()];
        var tenantCpu = quota.Average(q => Cores(q.Cpu));
        var tenantMemory = quota.Average(q => Gb(q.Memory));
        // What already runs on the compute pool: the apps the spec places there, at their requests.
        var apps = spec.Apps.Where(a => model.Declarations.Any(d => d.Name == a.Name && d.NodePools.Contains(NodeRole.Compute))).ToList();
        var appsCpu = apps.Sum(a => a.Replicas * Cores(a.Resources.Cpu));
        var appsMemory = apps.Sum(a => a.Replicas * Gb(a.Resources.Memory));
        var basePool = pool.Count * (serverPrice.Value + ipPrice);
        var rest = lines.Sum(l => l.Monthly ?? 0) - basePool;
        return [.. CostReport.TenantCounts.Select(tenants =>
        {
            var byCpu = (long)Math.Ceiling((tenants * tenantCpu + appsCpu) / (vcpus * Allocatable));
            var byMemory = (long)Math.Ceiling((tenants * tenantMemory + appsMemory) / (memory * Allocatable));
            var nodes = Math.Max(pool.Count, Math.Max(byCpu, byMemory));
            var monthly = rest + (nodes * (serverPrice.Value + ipPrice));
            return new TenantScale(tenants, nodes, decimal.Round(monthly, 2), decimal.Round(monthly / tenants, 2));
        })];
    }

    private static decimal Cores(string quantity) => new ResourceQuantity(quantity).ToDecimal();
}
