using Helix.Platform.Spec;

namespace Helix.Platform.Tests;

public sealed class SpecLoaderTests
{
    private const string File = "platform/helix.yaml";

    private static SpecError Single(string text)
    {
        var result = SpecLoader.Parse(text, File);
        Assert.Null(result.Spec);
        return Assert.Single(result.Errors);
    }

    [Fact]
    public void ASpecThatIsNotUtf8_IsRefusedAtTheByte_WithTheFix()
    {
        var path = Path.GetTempFileName();
        try
        {
            System.IO.File.WriteAllBytes(path, [.. "name: helix\ncluster:\n  talosVersion: v1."u8, 0xFF, .. "13\n"u8]);
            var error = Assert.Single(SpecLoader.Load(path).Errors);
            Assert.Equal((3, 20), (error.Mark.Line, error.Mark.Column)); // after "  talosVersion: v1."
            Assert.Equal("the spec is not UTF-8 text here (a byte no UTF-8 character has)", error.Message);
            Assert.Equal("save the file as UTF-8", error.Fix);
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Theory]
    [InlineData("gitOps:\n  repoUrl: https://github.com/helix-platform/platform.git", "gitOps:\n  repoUrl: x", "'x' is not an https address of a repository")]
    [InlineData("      cpu: \"4\"", "      cpu: \"99999999999999999999\"", "is larger than a Kubernetes quantity can be")]
    public void AValueTheRenderersCannotUse_IsASpecError_NotACrashLater(string find, string replace, string message)
    {
        var text = ReferenceSpec.With(find, replace);
        Assert.Contains(SpecLoader.Parse(text, "helix.yaml").Errors, e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void ReferenceSpec_LoadsWithoutErrors_AndHasEveryPartOfTheSeed()
    {
        var result = SpecLoader.Load(ReferenceSpec.Path);

        Assert.Empty(result.Errors);
        var spec = result.Spec!;
        Assert.Equal(["infra", "db", "compute", "egress"], spec.NodePools.Select(p => p.Name));
        Assert.Equal(["platform", "app", "db"], spec.Zones.Select(z => z.Name));
        Assert.Equal([AppKind.WebhookReceiver, AppKind.Orchestrator, AppKind.Remediation, AppKind.Ollama, AppKind.Steel], spec.Apps.Select(a => a.Kind));
        Assert.Contains(spec.Routes, r => r.Auth == RouteAuth.Sso && r.To == "devtron");
        Assert.Contains(spec.Routes, r => r.Auth == RouteAuth.Webhook && r.To == "webhook-receiver");
        Assert.Equal(PoolMode.Transaction, spec.Data.Postgres.Pooler.Mode);
        Assert.Equal(PolicyMode.Audit, spec.SupplyChain.Mode);
        Assert.Equal("acme", Assert.Single(spec.Tenants).Name);
        Assert.Equal(3, spec.Nats.Replicas); // default applied where the spec is silent
    }

    [Fact]
    public void UnknownKey_IsReportedAtTheKey_WithTheClosestKnownOne()
    {
        var text = ReferenceSpec.With("    serverType: cpx31\n    count: 3", "    serverType: cpx31\n    cuont: 3");
        var error = Single(text);
        Assert.Equal(new SourceMark(ReferenceSpec.LineOf(text, "cuont"), 5), error.Mark);
        Assert.Contains("nodePools[0]: unknown key 'cuont'", error.Message, StringComparison.Ordinal);
        Assert.Equal("did you mean 'count'?", error.Fix);
        Assert.StartsWith($"{File}:{error.Mark.Line}:5: ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WrongType_IsReportedAtTheValue_SayingWhatIsExpected()
    {
        var text = ReferenceSpec.With("    serverType: ccx23\n    count: 3", "    serverType: ccx23\n    count: three");
        var error = Single(text);
        Assert.Equal(new SourceMark(ReferenceSpec.LineOf(text, "count: three"), 12), error.Mark);
        Assert.Equal("nodePools[1].count: expected a whole number, found 'three'", error.Message);
    }

    [Fact]
    public void BadEnumValue_ListsTheAllowedValues()
    {
        var error = Single(ReferenceSpec.With("    to: devtron\n    auth: sso", "    to: devtron\n    auth: oidc"));
        Assert.Equal("routes[1].auth: expected one of: sso, public, webhook, found 'oidc'", error.Message);
    }

    [Fact]
    public void MissingRequiredKey_IsReportedAtItsMapping()
    {
        var text = ReferenceSpec.With("  - name: remediation\n    kind: remediation\n", "  - kind: remediation\n");
        var error = Single(text);
        Assert.Equal("apps[2]: missing required key 'name'", error.Message);
        Assert.Equal(ReferenceSpec.LineOf(text, "  - kind: remediation"), error.Mark.Line);
    }

    [Fact]
    public void DuplicateKey_NamesBothPlaces()
    {
        var text = ReferenceSpec.With("  branch: main\n  credentialsSecret", "  branch: main\n  branch: develop\n  credentialsSecret");
        var error = Single(text);
        var first = ReferenceSpec.LineOf(text, "gitOps:") + 2;
        Assert.Equal($"duplicate key 'branch' (first at {first}:3)", error.Message);
        Assert.Equal(first + 1, error.Mark.Line);
    }

    [Theory]
    [InlineData("10.0.0.0/24", "'10.0.0.0/24' is not a private IPv4 network of /8 to /16")]
    [InlineData(".inf", "'.inf' is not a private IPv4 network of /8 to /16")]
    [InlineData("fd00::/48", "'fd00::/48' is not a private IPv4 network of /8 to /16")]
    public void TheNodeNetwork_LeavesRoomForTheNodeSubnet(string cidr, string message)
    {
        var text = ReferenceSpec.With("    networkCidr: 10.0.0.0/16", $"    networkCidr: {cidr}");
        var error = Single(text);
        Assert.Equal(message, error.Message);
        Assert.Equal(ReferenceSpec.LineOf(text, "networkCidr:"), error.Mark.Line);
    }

    [Theory]
    [InlineData("[0.0.0.0/0]", "'0.0.0.0/0' is not a network the operators SSH from")]
    [InlineData("[ssh.example.com]", "'ssh.example.com' is not a network the operators SSH from")]
    [InlineData("[]", "no address may SSH to the NetBird server")]
    public void TheNetBirdServersSsh_IsOpenOnlyToTheOperatorsNetworks(string cidrs, string message)
    {
        var text = ReferenceSpec.With("    adminCidrs: [198.51.100.0/24]", $"    adminCidrs: {cidrs}");
        var error = Single(text);
        Assert.Equal(message, error.Message);
        Assert.Equal(ReferenceSpec.LineOf(text, "adminCidrs:"), error.Mark.Line);
    }

    [Fact]
    public void SecretValue_HasNoPlaceInTheSpec()
    {
        var error = Single(ReferenceSpec.With("  credentialsSecret: gitops-repo-credentials", "  credentialsSecret: gitops-repo-credentials\n  password: hunter2"));
        Assert.Equal("gitOps: unknown key 'password'", error.Message);
    }

    [Fact]
    public void RouteToAnUndefinedApp_IsReportedAtItsTarget()
    {
        var text = ReferenceSpec.With("    to: orchestrator\n    auth: sso", "    to: orchestrater\n    auth: sso");
        var error = Single(text);
        Assert.Equal(new SourceMark(ReferenceSpec.LineOf(text, "to: orchestrater"), 9), error.Mark);
        Assert.Contains("route to 'orchestrater', which is neither an app nor a platform UI", error.Message, StringComparison.Ordinal);
        Assert.Contains("orchestrator", error.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void WebhookRouteToAnotherApp_IsRefused()
    {
        var error = Single(ReferenceSpec.With("    to: webhook-receiver\n    auth: webhook", "    to: orchestrator\n    auth: webhook"));
        Assert.Contains("a webhook route must go to the webhook receiver", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostOutsideTheDomains_IsRefused()
    {
        var error = Single(ReferenceSpec.With("host: grafana.helix.example.com", "host: grafana.example.org"));
        Assert.Contains("host 'grafana.example.org' is under none of the spec's domains", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TenantInAnUnknownZone_IsRefused()
    {
        var text = ReferenceSpec.With("  - name: acme\n    team: acme-dev", "  - name: acme\n    zone: dmz\n    team: acme-dev");
        var error = Single(text);
        Assert.Equal(ReferenceSpec.LineOf(text, "zone: dmz"), error.Mark.Line);
        Assert.Contains("tenant 'acme' is in zone 'dmz', which is not declared", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TenantFlowToNothing_IsRefused()
    {
        var error = Single(ReferenceSpec.With("      - to: redis\n", "      - to: mongodb\n"));
        Assert.Contains("flow to 'mongodb'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateAppName_NamesTheFirst()
    {
        var text = ReferenceSpec.With("  - name: remediation\n", "  - name: orchestrator\n");
        var error = Single(text);
        Assert.Contains($"app 'orchestrator' is declared twice (first at {ReferenceSpec.LineOf(text, "  - name: orchestrator")}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingNodeRoleAndZone_AreBothReported()
    {
        var text = ReferenceSpec.With("  - name: egress\n    role: egress\n    serverType: cpx21\n    count: 2\n", "")
            .Replace("  - name: db\n    namespaces: [postgres, redis]\n", "", StringComparison.Ordinal);
        var result = SpecLoader.Parse(text, File);
        Assert.Equal(3, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.Message == "no node pool has role 'egress'");
        Assert.Contains(result.Errors, e => e.Message == "2 egress IPs for 0 egress nodes");
        Assert.Contains(result.Errors, e => e.Message == "zone 'db' is missing");
    }

    [Fact]
    public void EveryShapeErrorIsReportedInOneRun_InFileOrder()
    {
        var text = ReferenceSpec.Text
            .Replace("count: 3", "count: many", StringComparison.Ordinal)
            .Replace("    loadBalancerType: lb11", "    loadBalancerTyp: lb11", StringComparison.Ordinal);
        var result = SpecLoader.Parse(text, File);
        Assert.Equal(4, result.Errors.Count); // three counts and one misspelt key
        Assert.Equal(result.Errors.OrderBy(e => e.Mark.Line).Select(e => e.Mark), result.Errors.Select(e => e.Mark));
    }

    [Fact]
    public void InvalidName_IsRefused()
    {
        var error = Single(ReferenceSpec.With("  - name: acme\n", "  - name: Acme_Corp\n"));
        Assert.Contains("'Acme_Corp' is not a valid name", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void YamlSyntaxError_HasAPosition()
    {
        var error = Single("name: helix\ncluster:\n  talosVersion: [v1\n");
        Assert.StartsWith("YAML syntax:", error.Message, StringComparison.Ordinal);
        Assert.True(error.Mark.Line >= 3);
    }

    [Fact]
    public void EmptySpec_SaysHowToStart()
    {
        var error = Single("");
        Assert.Equal("the spec is empty", error.Message);
    }

    [Fact]
    public void AnchorsAndAliases_AreResolved()
    {
        var text = ReferenceSpec.With("    replicas: 1\n    resources:\n      cpu: \"2\"", "    replicas: 1\n    resources: &big\n      cpu: \"2\"")
            .Replace("    egress: true\n    resources:\n      cpu: \"1\"\n      memory: 2Gi\n      memoryLimit: 3Gi\n", "    egress: true\n    resources: *big\n", StringComparison.Ordinal);
        var result = SpecLoader.Parse(text, File);
        Assert.Empty(result.Errors);
        Assert.Equal("8Gi", result.Spec!.Apps.Single(a => a.Name == "steel").Resources.Memory);
    }

    [Fact]
    public void MissingFile_IsAnErrorNotAnException()
    {
        var result = SpecLoader.Load("/nonexistent/helix.yaml");
        Assert.Contains("cannot read the spec", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWebhookReceiverWithoutWebhooks_IsAnError()
    {
        var text = ReferenceSpec.With(
            "    webhooks:\n      - name: github\n        scheme: github\n        secret: webhook-github\n        replayWindow: 1h\n"
            + "      - name: stripe\n        scheme: stripe\n        secret: webhook-stripe\n      - name: research\n        scheme: standard-webhooks\n        secret: webhook-research\n", "");
        var errors = SpecLoader.Parse(text, File).Errors;
        var error = Assert.Single(errors, e => e.Message == "webhook receiver 'webhook-receiver' accepts no webhooks");
        Assert.Contains(errors, e => e.Message.StartsWith("events of 'research' never arrive", StringComparison.Ordinal));
        Assert.Equal(ReferenceSpec.LineOf(text, "kind: webhook-receiver"), error.Mark.Line);
    }

    [Fact]
    public void WebhooksOnAnotherApp_AndADuplicateSource_AreErrors()
    {
        var text = ReferenceSpec.With("    secret: webhook-stripe\n", "    secret: webhook-stripe\n      - name: github\n        scheme: slack\n        secret: other\n")
            .Replace("    kind: remediation\n", "    kind: remediation\n    webhooks: [{name: x, scheme: github, secret: y}]\n", StringComparison.Ordinal);
        var errors = SpecLoader.Parse(text, File).Errors;
        Assert.Contains(errors, e => e.Message.StartsWith("webhook 'github' is declared twice", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message == "app 'remediation' is not a webhook receiver but lists webhooks");
    }

    [Fact]
    public void ReplayWindow_IsADuration_OnlyForSchemesThatSignNoIdOrTime()
    {
        var onStripe = Single(ReferenceSpec.With("        secret: webhook-stripe\n", "        secret: webhook-stripe\n        replayWindow: 1h\n"));
        Assert.Equal("webhook 'stripe' signs its delivery's time, so replays are refused already", onStripe.Message);
        Assert.Contains("remove replayWindow", onStripe.Fix, StringComparison.Ordinal);
        Assert.Equal(File, onStripe.File);

        var notADuration = Single(ReferenceSpec.With("        replayWindow: 1h\n", "        replayWindow: an hour\n"));
        Assert.Equal("replay window 'an hour' is not a duration", notADuration.Message);
    }

    [Fact]
    public void RemediationSettings_AreReadOnTheRemediationApp_AndRefusedElsewhere()
    {
        var text = ReferenceSpec.With("    kind: remediation\n", "    kind: remediation\n    remediation: {mode: dry-run, autoMerge: true, cooldown: 90m}\n");
        var remediation = SpecLoader.Parse(text, File).Spec!.Apps.Single(a => a.Kind == AppKind.Remediation).Remediation!;
        Assert.Equal((RemediationMode.DryRun, true, "90m"), (remediation.Mode, remediation.AutoMerge, remediation.Cooldown));

        var badCooldown = Single(ReferenceSpec.With("    kind: remediation\n", "    kind: remediation\n    remediation: {cooldown: soon}\n"));
        Assert.Equal("cooldown 'soon' is not a duration", badCooldown.Message);
        Assert.Equal("write minutes or hours, such as 30m or 2h", badCooldown.Fix);

        var elsewhere = Single(ReferenceSpec.With("    kind: orchestrator\n", "    kind: orchestrator\n    remediation: {autoMerge: true}\n"));
        Assert.Equal("app 'orchestrator' is not the Remediation Service but has remediation settings", elsewhere.Message);
    }

    [Fact]
    public void EventRoutes_NameAReceiverSourceAndAWorkflowTheOrchestratorHas()
    {
        var wrongSource = Single(ReferenceSpec.With("      - source: research\n", "      - source: paypal\n"));
        Assert.Equal("events of 'paypal' never arrive: the receiver has no webhook of that name", wrongSource.Message);
        Assert.Equal("write one of: github, stripe, research", wrongSource.Fix);

        var text = ReferenceSpec.With("        workflow: research\n", "        workflow: reserch\n");
        var wrongWorkflow = Single(text);
        Assert.Equal("the Orchestrator has no workflow 'reserch'", wrongWorkflow.Message);
        Assert.Equal(ReferenceSpec.LineOf(text, "workflow: reserch"), wrongWorkflow.Mark.Line);

        var elsewhere = Single(ReferenceSpec.With("    kind: remediation\n", "    kind: remediation\n    events: [{source: github, workflow: smoke}]\n"));
        Assert.Equal("app 'remediation' is not the Orchestrator but routes events", elsewhere.Message);
    }

    [Fact]
    public void AnUnknownWebhookScheme_NamesTheSchemesThereAre()
    {
        var text = ReferenceSpec.With("        scheme: stripe\n", "        scheme: paypal\n");
        var error = Single(text);
        Assert.Contains("github", error.Fix, StringComparison.Ordinal);
        Assert.Equal(ReferenceSpec.LineOf(text, "paypal"), error.Mark.Line);
    }

    [Fact]
    public void AnAwsAccountIdThatIsNotTwelveDigits_IsAnError()
    {
        var text = ReferenceSpec.With("accountId: \"123456789012\"", "accountId: \"12345\"");
        var error = Single(text);
        Assert.Equal("'12345' is not an AWS account id", error.Message);
        Assert.Equal(ReferenceSpec.LineOf(text, "accountId"), error.Mark.Line);
    }

    [Fact]
    public void EgressIps_MustBeAddresses_AtMostOnePerEgressNode()
    {
        var text = ReferenceSpec.With("natEgressIps: [203.0.113.10, 203.0.113.11]", "natEgressIps: [203.0.113.10, 203.0.113.311, 203.0.113.12]");
        var errors = SpecLoader.Parse(text, File).Errors;
        Assert.Contains(errors, e => e.Message == "'203.0.113.311' is not an IPv4 address");
        Assert.Contains(errors, e => e.Message == "3 egress IPs for 2 egress nodes");
        Assert.All(errors, e => Assert.Equal(ReferenceSpec.LineOf(text, "natEgressIps"), e.Mark.Line));
    }

    [Fact]
    public void SpecEditor_AddsATenantSectionWhereThereIsNone_AndEmptiesItAgain()
    {
        var without = ReferenceSpec.Text[..ReferenceSpec.Text.IndexOf("tenants:", StringComparison.Ordinal)];
        var tenant = new TenantSpec { Name = "initech", Team = "tps reports", Flows = [new FlowSpec { To = "redis", Port = 6379 }] };
        var added = SpecEditor.AddTenant(without, tenant);
        var loaded = SpecLoader.Parse(added, File);
        Assert.Empty(loaded.Errors);
        Assert.Equal("tps reports", Assert.Single(loaded.Spec!.Tenants).Team);

        var removed = SpecEditor.RemoveTenant(added, "initech")!;
        Assert.EndsWith("tenants: []\n", removed, StringComparison.Ordinal);
        Assert.Empty(SpecLoader.Parse(removed, File).Spec!.Tenants);
        Assert.Null(SpecEditor.RemoveTenant(removed, "initech"));
        Assert.Contains("  - name: initech\n", SpecEditor.AddTenant(removed, tenant), StringComparison.Ordinal);
    }
}
