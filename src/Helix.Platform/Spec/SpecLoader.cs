using System.Text;
using System.Text.RegularExpressions;

namespace Helix.Platform.Spec;

/// <summary>The loaded spec, or every problem found in it (then <see cref="Spec"/> is null).</summary>
public sealed record SpecLoadResult
{
    internal SpecLoadResult(PlatformSpec? spec, IReadOnlyList<SpecError> errors, SpecMarks marks)
    {
        Spec = spec;
        Errors = errors;
        Marks = marks;
    }

    /// <summary>The typed spec: the compiler's own; the outside gets a model of it (<see cref="PlatformCompiler.Model(SpecLoadResult)"/>).</summary>
    internal PlatformSpec? Spec { get; init; }

    public IReadOnlyList<SpecError> Errors { get; init; }

    /// <summary>Where each value of the spec was written, for errors found after loading.</summary>
    public SpecMarks Marks { get; init; }

    public bool Succeeded => Spec is not null && Errors.Count == 0;

    /// <summary>Whether the spec has a tenant of this name.</summary>
    public bool HasTenant(string name) => Spec?.Tenants.Any(t => t.Name == name) == true;
}

/// <summary>
/// Reads <c>helix.yaml</c>: YAML syntax, then shape (keys, types, required values), then meaning
/// (unique names, references between parts). All problems are reported at once, each at its
/// <c>file:line:column</c> with what to write instead.
/// </summary>
public static partial class SpecLoader
{
    /// <summary>Platform UIs a route may point at besides the spec's own apps.</summary>
    public static readonly IReadOnlySet<string> PlatformUis = new HashSet<string>(StringComparer.Ordinal) { "argocd", "devtron", "grafana", "authentik" };

    /// <summary>Platform services a tenant may be allowed to reach besides apps and other tenants.</summary>
    public static readonly IReadOnlySet<string> PlatformServices = new HashSet<string>(StringComparer.Ordinal) { "postgres-pooler", "redis", "nats" };

    private static readonly string[] RequiredZones = ["platform", "app", "db"];

    public static SpecLoadResult Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SpecLoadResult(null, [new SpecError(path, new SourceMark(1, 1), $"cannot read the spec: {e.Message}", "pass an existing file with --spec")], new SpecMarks());
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            return new SpecLoadResult(null, [new SpecError(path, MarkOf(bytes, e.Index), "the spec is not UTF-8 text here (a byte no UTF-8 character has)", "save the file as UTF-8")],
                new SpecMarks());
        }
        return Parse(text.TrimStart('\uFEFF'), path);
    }

    /// <summary>Byte <paramref name="index"/> as a line and column (in characters before it on its line).</summary>
    private static SourceMark MarkOf(byte[] bytes, int index)
    {
        var valid = bytes.AsSpan(0, Math.Max(0, index));
        var lineStart = valid.LastIndexOf((byte)'\n') + 1;
        return new SourceMark(valid.Count((byte)'\n') + 1, Encoding.UTF8.GetCharCount(valid[lineStart..]) + 1);
    }

    public static SpecLoadResult Parse(string text, string file)
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = new List<SpecError>();
        var tree = YamlTree.Read(text, file, errors);
        if (tree is null)
        {
            return new SpecLoadResult(null, errors, new SpecMarks());
        }
        var binder = new SpecBinder(file, errors);
        var spec = binder.Bind<PlatformSpec>(tree);
        if (spec is not null && errors.Count == 0)
        {
            new Checks(spec, binder.Marks, file, errors).Run();
        }
        errors.Sort((a, b) => a.Mark.Line != b.Mark.Line ? a.Mark.Line.CompareTo(b.Mark.Line) : a.Mark.Column.CompareTo(b.Mark.Column));
        return new SpecLoadResult(errors.Count == 0 ? spec : null, errors, binder.Marks);
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")]
    private static partial Regex QuantityPattern();

    [GeneratedRegex("^[0-9]{12}$")]
    private static partial Regex AwsAccount();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyCode();

    [GeneratedRegex("^((server|load-balancer)/[a-z0-9-]+|primary-ipv4|floating-ipv4|object-storage-gb|dns-zone|kms-key)$")]
    private static partial Regex PriceItem();

    /// <summary>The workflows the Orchestrator is built with (its registry; a test holds the two together).</summary>
    public static readonly string[] OrchestratorWorkflows = ["research", "smoke"];

    /// <summary>An image at a version tag (not latest), or by digest: what an upstream app is mirrored from.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)+(:(?!latest$)[A-Za-z0-9][A-Za-z0-9._-]{0,127}|(:[A-Za-z0-9][A-Za-z0-9._-]{0,127})?@sha256:[a-f0-9]{64})$")]
    private static partial Regex UpstreamImage();

    /// <summary>An Ollama model as its registry names it: name, optionally a namespace, and a tag.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)?:[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex OllamaModel();

    /// <summary>Minutes or hours: what the Remediation Service's cooldown is written in.</summary>
    [GeneratedRegex("^[1-9][0-9]{0,3}[mh]$")]
    private static partial Regex Duration();

    /// <summary>A spec duration (<c>30m</c>, <c>2h</c>) as a <see cref="TimeSpan"/>.</summary>
    public static TimeSpan ParseDuration(string text) =>
        text[^1] == 'h' ? TimeSpan.FromHours(int.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture))
            : TimeSpan.FromMinutes(int.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture));

    private sealed class Checks(PlatformSpec spec, SpecMarks marks, string file, List<SpecError> errors)
    {
        public void Run()
        {
            CheckName(spec, nameof(PlatformSpec.Name), spec.Name);
            if (!AwsAccount().IsMatch(spec.Infra.Aws.AccountId))
            {
                Error(spec.Infra.Aws, nameof(AwsSpec.AccountId), $"'{spec.Infra.Aws.AccountId}' is not an AWS account id", "write the 12 digits of the account, quoted: accountId: \"123456789012\"");
            }
            Https(spec.GitOps, nameof(GitOpsSpec.RepoUrl), spec.GitOps.RepoUrl, "the GitOps repository's https address, such as https://github.com/acme/platform.git", repository: true);
            Https(spec.Infra.NetBird, nameof(NetBirdSpec.ManagementUrl), spec.Infra.NetBird.ManagementUrl, "the NetBird management server's https address");
            Https(spec.SupplyChain.Cosign, nameof(CosignSpec.Issuer), spec.SupplyChain.Cosign.Issuer, "the OIDC issuer that signs the images, such as https://token.actions.githubusercontent.com");
            // The node subnet is the network's first /24 after it (cidrsubnet(cidr, 8, 1)): the network must leave room for it.
            if (!System.Net.IPNetwork.TryParse(spec.Infra.Hetzner.NetworkCidr, out var network)
                || network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || network.PrefixLength is < 8 or > 16)
            {
                Error(spec.Infra.Hetzner, nameof(HetznerSpec.NetworkCidr), $"'{spec.Infra.Hetzner.NetworkCidr}' is not a private IPv4 network of /8 to /16",
                    "write the network's CIDR, such as 10.0.0.0/16: the node subnet is cut from it");
            }
            foreach (var (name, cidr) in new[] { (nameof(ClusterSpec.PodCidr), spec.Cluster.PodCidr), (nameof(ClusterSpec.ServiceCidr), spec.Cluster.ServiceCidr) })
            {
                if (!System.Net.IPNetwork.TryParse(cidr, out _))
                {
                    Error(spec.Cluster, name, $"'{cidr}' is not a network", "write a CIDR, such as 10.244.0.0/16");
                }
            }
            var admins = spec.Infra.NetBird.AdminCidrs;
            static bool Open(string cidr) => !System.Net.IPNetwork.TryParse(cidr, out var network) || network.PrefixLength == 0;
            if (admins.Count == 0 || admins.Any(Open))
            {
                Error(spec.Infra.NetBird, nameof(NetBirdSpec.AdminCidrs),
                    admins.Count == 0 ? "no address may SSH to the NetBird server" : $"'{admins.First(Open)}' is not a network the operators SSH from",
                    "list the operators' networks as CIDRs, such as [198.51.100.0/24]: never 0.0.0.0/0");
            }
            Unique(spec.NodePools, p => p.Name, "node pool");
            Unique(spec.Zones, z => z.Name, "zone");
            Unique(spec.Domains, d => d.Name, "domain");
            Unique(spec.Apps, a => a.Name, "app");
            Unique(spec.Tenants, t => t.Name, "tenant");

            foreach (var pool in spec.NodePools)
            {
                CheckName(pool, nameof(NodePoolSpec.Name), pool.Name);
                if (pool.Count < 1)
                {
                    Error(pool, nameof(NodePoolSpec.Count), $"node pool '{pool.Name}' has {pool.Count} nodes", "give it at least 1");
                }
            }
            foreach (var role in Enum.GetValues<NodeRole>())
            {
                if (!spec.NodePools.Any(p => p.Role == role))
                {
                    Error(spec, nameof(PlatformSpec.NodePools), $"no node pool has role '{SpecBinder.Kebab(role.ToString())}'",
                        $"add a pool with 'role: {SpecBinder.Kebab(role.ToString())}': the seed's architecture places work on infra, db, compute and egress nodes");
                }
            }

            Quantity(spec.Data.Postgres, nameof(PostgresSpec.Storage), spec.Data.Postgres.Storage);
            Quantity(spec.Data.Redis, nameof(RedisSpec.Storage), spec.Data.Redis.Storage);
            Quantity(spec.Nats, nameof(NatsSpec.Storage), spec.Nats.Storage);
            Quantity(spec.Observability, nameof(ObservabilitySpec.MetricsStorage), spec.Observability.MetricsStorage);

            var egressNodes = spec.NodePools.Where(p => p.Role == NodeRole.Egress).Sum(p => p.Count);
            foreach (var ip in spec.Infra.NatEgressIps.Where(ip =>
                !System.Net.IPAddress.TryParse(ip, out var a) || a.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || ip.Count(c => c == '.') != 3))
            {
                Error(spec.Infra, nameof(InfraSpec.NatEgressIps), $"'{ip}' is not an IPv4 address", "write the floating IPs Terraform allocated, such as 203.0.113.10");
            }
            if (spec.Infra.NatEgressIps.Count == 0 || spec.Infra.NatEgressIps.Count > egressNodes)
            {
                Error(spec.Infra, nameof(InfraSpec.NatEgressIps), $"{spec.Infra.NatEgressIps.Count} egress IPs for {egressNodes} egress nodes",
                    "list one floating IP per egress node (at least one): each is assigned to one node and NATs the pods routed there");
            }

            var zones = spec.Zones.Select(z => z.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var zone in spec.Zones)
            {
                CheckName(zone, nameof(ZoneSpec.Name), zone.Name);
            }
            foreach (var required in RequiredZones.Where(z => !zones.Contains(z)))
            {
                Error(spec, nameof(PlatformSpec.Zones), $"zone '{required}' is missing", $"add '- name: {required}' to zones: the flow matrix is written in terms of platform, app and db");
            }

            var apps = spec.Apps.GroupBy(a => a.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            foreach (var app in spec.Apps)
            {
                CheckName(app, nameof(AppSpec.Name), app.Name);
                CheckName(app, nameof(AppSpec.Namespace), app.Namespace);
                if (app.Replicas < 1)
                {
                    Error(app, nameof(AppSpec.Replicas), $"app '{app.Name}' has {app.Replicas} replicas", "give it at least 1");
                }
                Quantity(app.Resources, nameof(ResourcesSpec.Cpu), app.Resources.Cpu);
                Quantity(app.Resources, nameof(ResourcesSpec.Memory), app.Resources.Memory);
                Quantity(app.Resources, nameof(ResourcesSpec.MemoryLimit), app.Resources.MemoryLimit);
                if (app.Storage is { } storage)
                {
                    Quantity(app, nameof(AppSpec.Storage), storage);
                }
                if (app.Kind == AppKind.WebhookReceiver && app.Webhooks.Count == 0)
                {
                    Error(app, nameof(AppSpec.Kind), $"webhook receiver '{app.Name}' accepts no webhooks",
                        "add webhooks: [{name: github, scheme: github, secret: webhook-github}]: the receiver refuses to start without a source");
                }
                if (app.Kind != AppKind.WebhookReceiver && app.Webhooks.Count > 0)
                {
                    Error(app, nameof(AppSpec.Webhooks), $"app '{app.Name}' is not a webhook receiver but lists webhooks", "move the webhooks to the app of kind webhook-receiver");
                }
                if (app.Kind != AppKind.Remediation && app.Remediation is not null)
                {
                    Error(app, nameof(AppSpec.Remediation), $"app '{app.Name}' is not the Remediation Service but has remediation settings", "move them to the app of kind remediation");
                }
                if (app.Remediation is { } remediation && !Duration().IsMatch(remediation.Cooldown))
                {
                    Error(remediation, nameof(RemediationSpec.Cooldown), $"cooldown '{remediation.Cooldown}' is not a duration", "write minutes or hours, such as 30m or 2h");
                }
                var upstreamApp = app.Kind is AppKind.Ollama or AppKind.Steel;
                if (upstreamApp && app.Upstream is null)
                {
                    Error(app, nameof(AppSpec.Kind), $"app '{app.Name}' runs an upstream image but names none to mirror",
                        "add upstream: <image>:<version>: the images workflow copies, scans and signs it into the platform's registry");
                }
                if (!upstreamApp && app.Upstream is not null)
                {
                    Error(app, nameof(AppSpec.Upstream), $"app '{app.Name}' is built from this repository, not mirrored", "drop upstream: the images workflow builds it");
                }
                if (app.Upstream is { } upstream && !UpstreamImage().IsMatch(upstream))
                {
                    Error(app, nameof(AppSpec.Upstream), $"'{upstream}' is not an image at a version",
                        "write registry/name:version, such as docker.io/ollama/ollama:0.6.5 (not latest), or registry/name@sha256:<digest>");
                }
                if (upstreamApp && !spec.SupplyChain.Registries.Any(r => app.Image.StartsWith(r + "/", StringComparison.Ordinal)))
                {
                    Error(app, nameof(AppSpec.Image), $"'{app.Image}' is not in the platform's registries",
                        $"run the mirrored copy, from {string.Join(" or ", spec.SupplyChain.Registries)}: Kyverno admits only signed images from there");
                }
                if (app.Kind != AppKind.Ollama && app.Models.Count > 0)
                {
                    Error(app, nameof(AppSpec.Models), $"app '{app.Name}' is not Ollama but lists models", "move the models to the app of kind ollama");
                }
                foreach (var model in app.Models.Where(m => !OllamaModel().IsMatch(m)))
                {
                    Error(app, nameof(AppSpec.Models), $"'{model}' is not an Ollama model name", "write name:tag, such as llama3.2:3b");
                }
                if (app.Kind != AppKind.Orchestrator && app.Events.Count > 0)
                {
                    Error(app, nameof(AppSpec.Events), $"app '{app.Name}' is not the Orchestrator but routes events", "move the events to the app of kind orchestrator");
                }
                foreach (var route in app.Events)
                {
                    var sources = spec.Apps.Where(a => a.Kind == AppKind.WebhookReceiver).SelectMany(a => a.Webhooks).Select(w => w.Name).ToList();
                    if (!sources.Contains(route.Source, StringComparer.Ordinal))
                    {
                        Error(route, nameof(EventRouteSpec.Source), $"events of '{route.Source}' never arrive: the receiver has no webhook of that name",
                            $"write one of: {string.Join(", ", sources)}");
                    }
                    if (!OrchestratorWorkflows.Contains(route.Workflow, StringComparer.Ordinal))
                    {
                        Error(route, nameof(EventRouteSpec.Workflow), $"the Orchestrator has no workflow '{route.Workflow}'", $"write one of: {string.Join(", ", OrchestratorWorkflows)}");
                    }
                }
                Unique(app.Webhooks, w => w.Name, "webhook");
                foreach (var webhook in app.Webhooks)
                {
                    CheckName(webhook, nameof(WebhookSourceSpec.Name), webhook.Name);
                    CheckName(webhook, nameof(WebhookSourceSpec.Secret), webhook.Secret);
                    if (webhook.ReplayWindow is { } window && !Duration().IsMatch(window))
                    {
                        Error(webhook, nameof(WebhookSourceSpec.ReplayWindow), $"replay window '{window}' is not a duration", "write minutes or hours, such as 30m or 2h");
                    }
                    if (webhook.ReplayWindow is not null && webhook.Scheme is not (WebhookScheme.Github or WebhookScheme.Shopify))
                    {
                        Error(webhook, nameof(WebhookSourceSpec.ReplayWindow), $"webhook '{webhook.Name}' signs its delivery's time, so replays are refused already",
                            "remove replayWindow; it is for github and shopify, which sign neither an id nor a time");
                    }
                }
            }

            foreach (var route in spec.Routes)
            {
                if (!spec.Domains.Any(d => route.Host == d.Name || route.Host.EndsWith("." + d.Name, StringComparison.Ordinal)))
                {
                    Error(route, nameof(RouteSpec.Host), $"host '{route.Host}' is under none of the spec's domains",
                        $"use a host under {string.Join(" or ", spec.Domains.Select(d => d.Name))}, or add its domain to domains");
                }
                if (!apps.ContainsKey(route.To) && !PlatformUis.Contains(route.To))
                {
                    Error(route, nameof(RouteSpec.To), $"route to '{route.To}', which is neither an app nor a platform UI",
                        $"write one of: {string.Join(", ", apps.Keys.Concat(PlatformUis).Order(StringComparer.Ordinal))}");
                }
                else if (route.Auth == RouteAuth.Webhook && (!apps.TryGetValue(route.To, out var target) || target.Kind != AppKind.WebhookReceiver))
                {
                    Error(route, nameof(RouteSpec.Auth), $"a webhook route must go to the webhook receiver, not '{route.To}'",
                        "point it at the app of kind webhook-receiver, or use auth: sso or public");
                }
            }
            foreach (var group in spec.Routes.GroupBy(r => (r.Host, r.Path)).Where(g => g.Count() > 1))
            {
                Error(group.Skip(1).First(), nameof(RouteSpec.Host), $"route {group.Key.Host}{group.Key.Path} is declared twice", "keep one route per host and path");
            }

            var reachable = apps.Keys.Concat(spec.Tenants.Select(t => t.Name)).Concat(PlatformServices).ToHashSet(StringComparer.Ordinal);
            foreach (var tenant in spec.Tenants)
            {
                CheckName(tenant, nameof(TenantSpec.Name), tenant.Name);
                Quantity(tenant.Quota, nameof(QuotaSpec.Cpu), tenant.Quota.Cpu);
                Quantity(tenant.Quota, nameof(QuotaSpec.Memory), tenant.Quota.Memory);
                if (!zones.Contains(tenant.Zone))
                {
                    Error(tenant, nameof(TenantSpec.Zone), $"tenant '{tenant.Name}' is in zone '{tenant.Zone}', which is not declared",
                        $"write one of: {string.Join(", ", zones.Order(StringComparer.Ordinal))}");
                }
                if (apps.Values.Any(a => a.Namespace == tenant.Name) || spec.Zones.Any(z => z.Namespaces.Contains(tenant.Name)))
                {
                    Error(tenant, nameof(TenantSpec.Name), $"tenant '{tenant.Name}' would share a namespace with the platform", "choose another tenant name");
                }
                if (tenant.MetricsPort is < 1 or > 65535)
                {
                    Error(tenant, nameof(TenantSpec.MetricsPort), $"port {tenant.MetricsPort} is not a TCP port", "write a port from 1 to 65535 (9090 unless said)");
                }
                foreach (var flow in tenant.Flows)
                {
                    if (!reachable.Contains(flow.To) || flow.To == tenant.Name)
                    {
                        Error(flow, nameof(FlowSpec.To), $"tenant '{tenant.Name}' has a flow to '{flow.To}', which is not an app, another tenant or a platform service",
                            $"write one of: {string.Join(", ", reachable.Where(r => r != tenant.Name).Order(StringComparer.Ordinal))}");
                    }
                    if (flow.Port is < 1 or > 65535)
                    {
                        Error(flow, nameof(FlowSpec.Port), $"port {flow.Port} is not a TCP port", "write a port from 1 to 65535");
                    }
                }
            }
            Costs(spec.Costs);
        }

        private void Costs(CostsSpec costs)
        {
            if (!CurrencyCode().IsMatch(costs.Currency))
            {
                Error(costs, nameof(CostsSpec.Currency), $"'{costs.Currency}' is not a currency code", "write the ISO 4217 code, such as EUR or USD");
            }
            foreach (var (currency, rate) in costs.ExchangeRates)
            {
                if (!CurrencyCode().IsMatch(currency) || rate <= 0)
                {
                    Error(costs, nameof(CostsSpec.ExchangeRates), $"exchange rate {currency}: {rate} is not a currency code with a positive rate",
                        $"write how many {costs.Currency} one unit is worth, such as USD: 0.86");
                }
            }
            foreach (var group in costs.Prices.GroupBy(p => (p.Provider, p.Item)).Where(g => g.Count() > 1))
            {
                Error(group.Last(), nameof(PriceSpec.Item), $"the price of {group.Key.Provider} {group.Key.Item} is given twice (first at {marks.Of(group.First(), nameof(PriceSpec.Item))})",
                    "keep one row per provider and item");
            }
            foreach (var price in costs.Prices)
            {
                if (price.Provider is not ("hetzner" or "aws"))
                {
                    Error(price, nameof(PriceSpec.Provider), $"provider '{price.Provider}' is not one Helix renders for", "write hetzner or aws");
                }
                if (!PriceItem().IsMatch(price.Item))
                {
                    Error(price, nameof(PriceSpec.Item), $"'{price.Item}' is not a priced item",
                        "write server/<type>, load-balancer/<type>, primary-ipv4, floating-ipv4, object-storage-gb, dns-zone or kms-key");
                }
                if (price.Vcpus is <= 0 || price.MemoryGb is <= 0 || price.DiskGb is <= 0)
                {
                    Error(price, nameof(PriceSpec.Item), $"{price.Item} has a size of 0 or less", "give vcpus, memoryGb and diskGb as the provider lists them, such as vcpus: 4");
                }
                if (price.Price < 0)
                {
                    Error(price, nameof(PriceSpec.Price), $"price {price.Price} is negative", "write the monthly list price, such as 13.60");
                }
                if (price.Currency is { } currency && currency != costs.Currency && !costs.ExchangeRates.ContainsKey(currency))
                {
                    Error(price, nameof(PriceSpec.Currency), $"prices in {currency} cannot be added to totals in {costs.Currency}",
                        $"add costs.exchangeRates.{currency}, or give the price in {costs.Currency}");
                }
                if (!DateOnly.TryParseExact(price.Date, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
                {
                    Error(price, nameof(PriceSpec.Date), $"'{price.Date}' is not a date", "write the day the price was read, quoted: date: \"2026-11-30\"");
                }
                if (!Uri.TryCreate(price.Source, UriKind.Absolute, out var source) || source.Scheme != Uri.UriSchemeHttps)
                {
                    Error(price, nameof(PriceSpec.Source), $"'{price.Source}' is not an https address", "write the page the price was read from");
                }
            }
        }

        private void Unique<T>(IEnumerable<T> items, Func<T, string> name, string what) where T : notnull
        {
            foreach (var group in items.GroupBy(name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                var first = marks.Of(group.First());
                foreach (var duplicate in group.Skip(1))
                {
                    Error(duplicate, "Name", $"{what} '{group.Key}' is declared twice (first at {first})", $"rename or remove one {what}");
                }
            }
        }

        /// <summary>A Kubernetes quantity (<c>250m</c>, <c>2</c>, <c>8Gi</c>): the API server refuses anything else.</summary>
        private void Quantity(object owner, string property, string value)
        {
            if (!QuantityPattern().IsMatch(value))
            {
                Error(owner, property, $"'{value}' is not a Kubernetes quantity", "write a number with an optional suffix, such as 250m, 2, 512Mi or 8Gi");
            }
            else if (!FitsKubernetes(value))
            {
                Error(owner, property, $"'{value}' is larger than a Kubernetes quantity can be", "write a size a node or a volume can have, such as 8Gi or 4");
            }
        }

        /// <summary>An absolute https address (a repository's has an owner and a name in its path).</summary>
        private void Https(object owner, string property, string value, string what, bool repository = false)
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.Host.Length == 0
                || (repository && uri.AbsolutePath.Trim('/').Split('/').Length < 2))
            {
                Error(owner, property, $"'{value}' is not an https address{(repository ? " of a repository" : "")}", $"write {what}");
            }
        }

        // The API server keeps quantities in milli-units of a 64-bit integer.
        private static bool FitsKubernetes(string value)
        {
            try
            {
                return new k8s.Models.ResourceQuantity(value).ToDecimal() <= long.MaxValue / 1000m;
            }
            catch (Exception e) when (e is OverflowException or FormatException or ArgumentException)
            {
                return false;
            }
        }

        private void CheckName(object owner, string property, string value)
        {
            if (!DnsLabel().IsMatch(value))
            {
                Error(owner, property, $"'{value}' is not a valid name", "use lowercase letters, digits and dashes, at most 63 characters, starting and ending with a letter or digit");
            }
        }

        private void Error(object owner, string property, string message, string fix) =>
            errors.Add(new SpecError(file, marks.Of(owner, property), message, fix));
    }
}
