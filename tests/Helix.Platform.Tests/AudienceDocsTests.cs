using Helix.Platform.Docs;
using Helix.Platform.Rendering;
using Helix.Platform.Spec;

namespace Helix.Platform.Tests;

/// <summary>The audience documents and the cost analysis, from the model: figures checked by hand, spec changes followed.</summary>
public sealed class AudienceDocsTests
{
    private const string Cost = "docs/architecture/cost-time-complexity.md";
    private const string Engineer = "docs/architecture/platform-engineer-architecture.md";
    private const string Network = "docs/architecture/network-admin-architecture.md";
    private const string Ingress = "docs/architecture/multi-domain-ingress.md";
    private const string Recruiter = "docs/architecture/recruiter-overview.md";

    // Round prices so the expected figures below can be checked with pencil and paper.
    private const string HandPrices = """
        costs:
          currency: EUR
          exchangeRates:
            USD: 0.5
          prices:
            - { provider: hetzner, item: server/cx22, price: 1, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: hetzner, item: server/cpx21, price: 5, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: hetzner, item: server/cpx31, price: 10, diskGb: 100, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: hetzner, item: server/cpx41, price: 30, vcpus: 8, memoryGb: 16, diskGb: 200, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: hetzner, item: server/ccx23, price: 20, diskGb: 150, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: hetzner, item: load-balancer/lb11, price: 4, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: hetzner, item: primary-ipv4, price: 0.5, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: hetzner, item: floating-ipv4, price: 2, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: aws, item: object-storage-gb, price: 0.02, currency: USD, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: aws, item: dns-zone, price: 1, currency: USD, date: "2026-11-30", source: "https://example.com/p" }
            - { provider: aws, item: kms-key, price: 2, date: "2026-11-30", source: "https://example.com/p" }

        """;

    private static string WithCosts(string text, string costs) => string.Concat(text.AsSpan(0, text.IndexOf("\ncosts:", StringComparison.Ordinal) + 1), costs);

    private static Model.PlatformModel Model(string text)
    {
        var loaded = SpecLoader.Parse(text, "helix.yaml");
        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Errors));
        return PlatformCompiler.Model(loaded.Spec!);
    }

    private static Output.FileSet Render(string text) => PlatformRenderer.Render(Model(text));

    [Fact]
    public void TheMonthlyCost_IsTheHandArithmeticOfThePriceTable()
    {
        var report = CostAnalysis.Analyse(Model(WithCosts(ReferenceSpec.Text, HandPrices)));

        decimal Monthly(string item, string what) => report.Lines.Single(l => l.Item == item && l.What == what).Monthly!.Value;
        Assert.Equal(30m, Monthly("server/cpx31", "node pool infra"));      // 3 x 10
        Assert.Equal(60m, Monthly("server/ccx23", "node pool db"));         // 3 x 20
        Assert.Equal(90m, Monthly("server/cpx41", "node pool compute"));    // 3 x 30
        Assert.Equal(10m, Monthly("server/cpx21", "node pool egress"));     // 2 x 5
        Assert.Equal(1m, Monthly("server/cx22", "NetBird management server"));
        Assert.Equal(4m, Monthly("load-balancer/lb11", "ingress load balancer"));
        Assert.Equal(4m, Monthly("load-balancer/lb11", "api load balancer"));
        Assert.Equal(6m, Monthly("primary-ipv4", "servers' public IPv4"));  // 12 servers x 0.5
        Assert.Equal(4m, Monthly("floating-ipv4", "egress IPs"));           // 2 x 2
        Assert.Equal(0.5m, Monthly("dns-zone", "zone helix.example.com"));  // 1 USD at 0.5
        Assert.Equal(2m, Monthly("kms-key", "KMS key platform"));
        Assert.Equal(0.01m, Monthly("object-storage-gb", "bucket helix-terraform-state")); // 1 GB x 0.02 USD x 0.5
        Assert.Equal(0.01m, Monthly("object-storage-gb", "bucket helix-oidc-123456789012")); // the issuer's two documents: 1 GB minimum
        // 30 daily backups of 50Gi (53.687091 GB) = 1,610.61 GB x 0.01 EUR
        Assert.Equal(1610.61m, report.Lines.Single(l => l.What == "bucket helix-postgres-backups").Quantity);
        Assert.Equal(16.11m, Monthly("object-storage-gb", "bucket helix-postgres-backups"));
        Assert.Equal(227.63m, report.Total);
        Assert.Empty(report.Unpriced);

        // Compute servers: 8 vCPU and 16 GB, 90 % allocatable (7.2 and 14.4). Apps there: 5.25 cores and
        // 14.227 GB (receiver 2, orchestrator 2, remediation 1 at 250m/256Mi; ollama 2/8Gi; steel 2 x 1/2Gi).
        // A tenant (acme's quota): 4 cores, 8Gi = 8.59 GB. Everything but the compute pool: 227.63 - 3 x 30.5 = 136.13.
        Assert.Equal(
        [
            new TenantScale(10, 7, 349.63m, 34.96m),     // cpu 45.25/7.2 -> 7, memory 100.13/14.4 -> 7
            new TenantScale(50, 31, 1081.63m, 21.63m),   // cpu 205.25/7.2 -> 29, memory 443.72/14.4 -> 31
            new TenantScale(200, 121, 3826.63m, 19.13m), // cpu 805.25/7.2 -> 112, memory 1,732.21/14.4 -> 121
        ], report.Scale);

        // Storage: Longhorn's pools are infra, compute and db: 3 x 100 + 3 x 200 + 3 x 150 GB.
        Assert.Equal(1350m, report.Storage.AvailableGb);
        Assert.Equal(3, report.Storage.Replicas);
    }

    [Fact]
    public void WhatHasNoPrice_IsShownUnpriced_NotGuessed()
    {
        var report = CostAnalysis.Analyse(Model(WithCosts(ReferenceSpec.Text, "costs:\n  currency: EUR\n")));
        Assert.Equal(0m, report.Total);
        Assert.Contains(report.Unpriced, l => l.Item == "server/cpx41");
        Assert.Empty(report.Scale);
        Assert.Null(report.Storage.AvailableGb);
        var doc = Render(WithCosts(ReferenceSpec.Text, "costs:\n  currency: EUR\n")).Text(Cost);
        Assert.Contains("unpriced item(s)", doc, StringComparison.Ordinal);
        Assert.Contains("Not computed", doc, StringComparison.Ordinal);
    }

    [Fact]
    public void APriceInACurrencyWithoutARate_IsASpecError_AtItsRow()
    {
        var text = WithCosts(ReferenceSpec.Text, HandPrices.Replace("USD: 0.5", "GBP: 0.5", StringComparison.Ordinal));
        var errors = SpecLoader.Parse(text, "helix.yaml").Errors;
        var error = Assert.Single(errors, e => e.Mark.Line == ReferenceSpec.LineOf(text, "item: object-storage-gb"));
        Assert.Equal("prices in USD cannot be added to totals in EUR", error.Message);
        Assert.Contains("add costs.exchangeRates.USD", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void AnItemHelixDoesNotPrice_IsASpecError_SayingWhatToWrite()
    {
        var text = WithCosts(ReferenceSpec.Text, HandPrices.Replace("item: kms-key,", "item: kms-keys,", StringComparison.Ordinal));
        var error = Assert.Single(SpecLoader.Parse(text, "helix.yaml").Errors);
        Assert.Equal(ReferenceSpec.LineOf(text, "kms-keys"), error.Mark.Line);
        Assert.Equal("'kms-keys' is not a priced item", error.Message);
        Assert.Contains("server/<type>", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewNodePool_ShowsInTheCost_TheEngineersView_AndTheOverview_AndNowhereElse()
    {
        var before = Render(ReferenceSpec.Text);
        var after = Render(ReferenceSpec.With("  - name: egress\n", "  - name: batch\n    role: compute\n    serverType: cpx31\n    count: 2\n  - name: egress\n"));

        Assert.Contains("| hetzner | `server/cpx31` | node pool batch | 2 | 13.60 EUR | 27.20 EUR |", after.Text(Cost), StringComparison.Ordinal);
        Assert.Contains("| batch | compute | cpx31 | 2 |", after.Text(Engineer), StringComparison.Ordinal);
        Assert.Contains("Kubernetes cluster of 13 servers", after.Text(Recruiter), StringComparison.Ordinal);
        Assert.Contains("Kubernetes cluster of 11 servers", before.Text(Recruiter), StringComparison.Ordinal);
        Assert.Equal(before.Text(Ingress), after.Text(Ingress));
    }

    [Fact]
    public void ANewDomain_ShowsInTheIngressView_TheCost_AndTheOverview()
    {
        var before = Render(ReferenceSpec.Text);
        var text = ReferenceSpec.With("domains:\n  - name: helix.example.com\n", "domains:\n  - name: helix.example.com\n  - name: shop.example.org\n")
            .Replace("routes:\n", "routes:\n  - host: www.shop.example.org\n    to: grafana\n    auth: sso\n", StringComparison.Ordinal);
        var after = Render(text);

        Assert.Contains("| shop.example.org | `shop-example-org-tls` | shop.example.org, *.shop.example.org |", after.Text(Ingress), StringComparison.Ordinal);
        Assert.Contains("| www.shop.example.org | / |", after.Text(Ingress), StringComparison.Ordinal);
        Assert.DoesNotContain("shop.example.org", before.Text(Ingress), StringComparison.Ordinal);
        Assert.Contains("| aws | `dns-zone` | zone shop.example.org | 1 |", after.Text(Cost), StringComparison.Ordinal);
        Assert.Contains("2 domain(s)", after.Text(Recruiter), StringComparison.Ordinal);
        Assert.Contains("shop-example-org-tls", after.Text(Engineer), StringComparison.Ordinal); // a Secret cert-manager creates
    }

    [Fact]
    public void ANewTenant_ShowsInTheEngineersView_TheNetworkView_AndTheOverview()
    {
        var before = Render(ReferenceSpec.Text);
        var after = Render(ReferenceSpec.With("tenants:\n", "tenants:\n  - name: globex\n    team: globex-dev\n"));

        Assert.Contains("| globex | globex-dev | app |", after.Text(Engineer), StringComparison.Ordinal);
        Assert.Contains("`globex`", after.Text(Network), StringComparison.Ordinal);
        Assert.DoesNotContain("globex", before.Text(Network), StringComparison.Ordinal);
        Assert.Contains("2 team(s) today", after.Text(Recruiter), StringComparison.Ordinal);
        Assert.Contains("`tenant-globex`", after.Text(Cost), StringComparison.Ordinal); // its Application is a wave's
    }

    [Fact]
    public void TheMastersLinks_PointAtTheRenderedDocuments()
    {
        var master = File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(ReferenceSpec.Path))!, "docs", "architecture", "master-architecture.md"));
        var rendered = Render(ReferenceSpec.Text);
        foreach (var path in new[] { Cost, Engineer, Network, Ingress, Recruiter })
        {
            Assert.Contains($"(./{Path.GetFileName(path)})", master, StringComparison.Ordinal);
            Assert.Contains(path, rendered.Paths);
        }
        Assert.DoesNotContain("file:///", master, StringComparison.Ordinal);
    }
}
