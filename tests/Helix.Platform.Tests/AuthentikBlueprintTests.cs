using System.Text.Json;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Simulation;
using Helix.Platform.Spec;
using Helix.Platform.Verification;
using YamlDotNet.RepresentationModel;

namespace Helix.Platform.Tests;

/// <summary>
/// The arrow Traefik => SSO Gate => Authentik on the rendered tree: Authentik's blueprint has a
/// forward-auth provider per SSO route bound to the embedded outpost, OIDC clients whose secrets are
/// the tools' own, and it matches Authentik's published blueprint schema (2025.4.1, the newest at
/// hand; see the schema's README).
/// </summary>
public sealed class AuthentikBlueprintTests
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;
    private static readonly Lazy<List<(string File, JsonElement Object)>> Tree = new(() =>
        [.. PlatformCompiler.Verify(PlatformCompiler.Render(Model), Model).Tree.Objects.Select(o => (o.File, o.Object))]);

    private static List<KubeObject> Objects(Func<string, string, string>? edit = null) =>
        [.. Tree.Value.Select(o => new KubeObject(o.File, edit is null ? o.Object : JsonDocument.Parse(edit(o.File, o.Object.GetRawText())).RootElement))];

    private static YamlMappingNode Blueprint()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(AuthentikBlueprint.Render(Model)));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static List<YamlMappingNode> Entries(string model) =>
        [.. ((YamlSequenceNode)Blueprint()["entries"]).Cast<YamlMappingNode>().Where(e => e["model"].ToString() == model)];

    [Fact]
    public void EverySsoRoute_HasAForwardAuthProvider_BoundToTheEmbeddedOutpost_AndTheBlueprintMatchesTheSchema()
    {
        Assert.Empty(BlueprintRules.Check(Objects()));
        var sso = Model.Routes.Where(r => r.Route.Auth == RouteAuth.Sso).Select(r => $"https://{r.Route.Host}").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(4, sso.Count);
        var providers = Entries("authentik_providers_proxy.proxyprovider");
        Assert.Equal(sso, providers.Select(p => ((YamlMappingNode)p["attrs"])["external_host"].ToString()).Order(StringComparer.Ordinal));
        Assert.All(providers, p => Assert.Equal("forward_single", ((YamlMappingNode)p["attrs"])["mode"].ToString()));
        var outpost = Assert.Single(Entries("authentik_outposts.outpost"));
        var bound = ((YamlSequenceNode)((YamlMappingNode)outpost["attrs"])["providers"]).Cast<YamlScalarNode>().ToList();
        Assert.All(bound, b => Assert.Equal("!KeyOf", b.Tag.Value));
        Assert.Equal(providers.Select(p => p["id"].ToString()).Order(StringComparer.Ordinal), bound.Select(b => b.Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void GrafanasRole_FollowsTheAdminsGroup_FromAuthentikThroughTraefikToGrafana()
    {
        // Authentik: the Grafana route's provider adds the role scope; no other provider does.
        var grafana = $"https://{Model.Host(Observability.Grafana)}";
        foreach (var provider in Entries("authentik_providers_proxy.proxyprovider"))
        {
            var attrs = (YamlMappingNode)provider["attrs"];
            var mappings = attrs.Children.TryGetValue(new YamlScalarNode("property_mappings"), out var m) ? ((YamlSequenceNode)m).Cast<YamlScalarNode>().ToList() : [];
            Assert.Equal(attrs["external_host"].ToString() == grafana ? ["grafana-role"] : [], mappings.Select(k => k.Value));
        }
        var mapping = Assert.Single(Entries("authentik_providers_oauth2.scopemapping"));
        var expression = ((YamlMappingNode)mapping["attrs"])["expression"].ToString();

        // The expression, run as Authentik runs one (the body of a function), for a member and a non-member.
        Assert.Equal("Admin", Evaluate(expression, member: true));
        Assert.Equal("Viewer", Evaluate(expression, member: false));

        // Traefik copies the header from the outpost's answer onto the request (replacing any the client sent); Grafana reads its role there.
        var middleware = Objects().Single(o => o.Kind == "Middleware" && o.Name == Traefik.ForwardAuthMiddleware);
        Assert.Contains(AuthentikBlueprint.GrafanaRoleHeader,
            KubeObject.Items(KubeObject.Element(middleware.Json, "spec", "forwardAuth", "authResponseHeaders")).Select(h => h.GetString()));
        var observability = Tree.Value.Single(o => o.File.EndsWith("platform/observability/application.yaml", StringComparison.Ordinal)).Object;
        Assert.Contains($"\"headers\":\"Role:{AuthentikBlueprint.GrafanaRoleHeader}\"", observability.GetRawText(), StringComparison.Ordinal);
    }

    /// <summary>The role header a scope mapping's expression sets, evaluated by python3 with Authentik's helper stood in for.</summary>
    private static string Evaluate(string expression, bool member)
    {
        var harness = """
            import json, sys, textwrap
            member = sys.argv[1] == "1"
            class User: pass
            class Request: user = User()
            def ak_is_group_member(user, **filters):
                assert filters == {"name": "helix-platform-admins"}, filters
                return member
            body = sys.stdin.read()
            scope = {"ak_is_group_member": ak_is_group_member}
            exec("def handler(request):\n" + textwrap.indent(body, "    "), scope)
            print(json.dumps(scope["handler"](Request())))
            """;
        var start = new System.Diagnostics.ProcessStartInfo(Helix.Testing.TestEnvironment.Require("HELIX_PYTHON", "python3 (scripts/tools.sh install)"), ["-c", harness, member ? "1" : "0"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        process.StandardInput.Write(expression);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)) && process.ExitCode == 0, error);
        using var claims = JsonDocument.Parse(output);
        return claims.RootElement.GetProperty("ak_proxy").GetProperty("user_attributes").GetProperty("additionalHeaders").GetProperty(AuthentikBlueprint.GrafanaRoleHeader).GetString()!;
    }

    [Fact]
    public void ArgoCdsOidcClient_IsTheApplicationItsIssuerNames_WithItsOwnSecret()
    {
        var provider = Entries("authentik_providers_oauth2.oauth2provider").Single(p => ((YamlMappingNode)p["attrs"])["client_id"].ToString() == "argocd");
        var attrs = (YamlMappingNode)provider["attrs"];
        Assert.Equal("!Env", ((YamlScalarNode)attrs["client_secret"]).Tag.Value);
        var redirect = (YamlMappingNode)((YamlSequenceNode)attrs["redirect_uris"])[0];
        Assert.Equal($"https://{Model.Host(ArgoCd.Name)}/auth/callback", redirect["url"].ToString());
        // Argo CD's issuer is this application's slug.
        Assert.Contains(Entries("authentik_core.application"), a => ((YamlMappingNode)a["identifiers"])["slug"].ToString() == "argocd");
        var argocd = Tree.Value.Single(o => o.File.EndsWith("platform/argocd/application.yaml", StringComparison.Ordinal)).Object.GetRawText();
        Assert.Contains($"issuer: https://{Model.Host(Authentik.Name)}/application/o/argocd/", argocd, StringComparison.Ordinal);

        // The secret Authentik holds is Argo CD's own value, and the worker reads it from the environment the blueprint names.
        var secrets = Model.Secrets().Single(s => s.Name == AuthentikBlueprint.ClientSecrets);
        Assert.Equal(KeySource.Same(ArgoCd.Namespace, ArgoCd.OidcSecret, "clientSecret"), secrets.Source(ArgoCd.Name));
        var values = Tree.Value.Single(o => o.File.EndsWith("platform/authentik/application.yaml", StringComparison.Ordinal)).Object.GetRawText();
        Assert.Contains($"\"name\":\"{AuthentikBlueprint.OidcClients[0].SecretVariable}\"", values, StringComparison.Ordinal);
        Assert.Contains($"\"configMaps\":[\"{AuthentikBlueprint.ConfigMap}\"]", values, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "sso-provider")]
    public void ABlueprintThatMissesARoute_LeavesItsHostUnanswered_AndIsCaught()
    {
        // Grafana's provider unbound from the outpost: its id leaves the outpost's providers.
        var findings = BlueprintRules.Check(Objects((file, json) => file.EndsWith("authentik/base/blueprints.yaml", StringComparison.Ordinal)
            ? json.Replace("\\n    - !KeyOf proxy-grafana-helix-example-com", "", StringComparison.Ordinal)
            : json)).ToList();
        var finding = Assert.Single(findings);
        Assert.Equal(BlueprintRules.SsoRule, finding.Rule);
        Assert.StartsWith("grafana.helix.example.com is behind ForwardAuth", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "authentik-blueprint")]
    public void ABlueprintWithAFieldAuthentikDoesNotHave_IsCaught()
    {
        Assert.Contains("mode: forward_single", AuthentikBlueprint.Render(Model), StringComparison.Ordinal);
        var findings = BlueprintRules.Check(Objects((file, json) => file.EndsWith("authentik/base/blueprints.yaml", StringComparison.Ordinal)
            ? json.Replace("mode: forward_single", "mode: forward_everything", StringComparison.Ordinal)
            : json)).ToList();
        Assert.Contains(findings, f => f.Rule == BlueprintRules.SchemaRule && f.Resource == $"ConfigMap/{Authentik.Namespace}/{AuthentikBlueprint.ConfigMap}");

        var unknown = BlueprintRules.Check(Objects((file, json) => file.EndsWith("authentik/base/blueprints.yaml", StringComparison.Ordinal)
            ? json.Replace("model: authentik_core.group", "model: authentik_core.team", StringComparison.Ordinal)
            : json)).ToList();
        Assert.Contains(unknown, f => f.Rule == BlueprintRules.SchemaRule && f.Message == "helix.yaml: 'authentik_core.team' is not a model Authentik's blueprints know");
    }
}
