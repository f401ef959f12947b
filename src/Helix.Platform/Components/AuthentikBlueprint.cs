using Helix.Platform.Model;
using Helix.Platform.Spec;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;
using YamlNode = YamlDotNet.RepresentationModel.YamlNode;

namespace Helix.Platform.Components;

/// <summary>
/// Authentik configured as code: one blueprint (mounted from a ConfigMap; the worker applies it and
/// re-applies it when it changes) with a forward-auth proxy provider and application per SSO route,
/// all bound to the embedded outpost that Traefik's ForwardAuth middleware asks; an OIDC provider and
/// application per tool that signs in with OIDC, its client secret from the secrets inventory; and the
/// platform's admin group the tools map to their roles.
/// </summary>
internal static class AuthentikBlueprint
{
    public const string ConfigMap = "authentik-blueprints";
    public const string File = "helix.yaml";

    /// <summary>The group whose members are admins in every tool (Argo CD's <c>role:admin</c>).</summary>
    public const string AdminsGroup = "helix-platform-admins";

    /// <summary>
    /// The header the embedded outpost sets on every request to Grafana: <c>Admin</c> for the admins
    /// group, <c>Viewer</c> for everyone else, so Grafana's role follows the group on each sign-in.
    /// </summary>
    public const string GrafanaRoleHeader = "X-Grafana-Role";

    private const string GrafanaRoleMapping = "grafana-role";

    /// <summary>The embedded outpost's managed name: it exists from Authentik's first start.</summary>
    public const string EmbeddedOutpost = "goauthentik.io/outposts/embedded";

    /// <summary>The Secret holding the OIDC clients' secrets, one key per client (each the same value as the tool's own copy).</summary>
    public const string ClientSecrets = "authentik-oidc-clients";

    /// <summary>A tool that signs in with OIDC: its application slug (the issuer path), client id, and callback path on its host.</summary>
    public sealed record OidcClient(string Target, string Slug, string CallbackPath)
    {
        public string SecretVariable => $"HELIX_OIDC_{Slug.ToUpperInvariant().Replace('-', '_')}";
    }

    /// <summary>Argo CD signs in with OIDC itself; Devtron through its Dex, whose connector is this client.</summary>
    public static readonly IReadOnlyList<OidcClient> OidcClients =
    [
        new(ArgoCd.Name, ArgoCd.Name, "/auth/callback"),
        new(Devtron.Name, Devtron.Name, "/orchestrator/api/dex/callback"),
    ];

    private const string AuthorizationFlow = "default-provider-authorization-implicit-consent";
    private const string InvalidationFlow = "default-provider-invalidation-flow";
    private static readonly string[] Scopes = ["openid", "email", "profile"];

    /// <summary>The forward-auth provider of an SSO route: its id in the blueprint (for <c>!KeyOf</c>).</summary>
    public static string ProxyId(ResolvedRoute route) => $"proxy-{route.Name}";

    public static string Render(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var entries = new YamlSequenceNode
        {
            Entry("authentik_core.group", Map(("name", S(AdminsGroup))), Map(("is_superuser", S("false")))),
        };
        var sso = model.Routes.Where(r => r.Route.Auth == RouteAuth.Sso).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        // A scope the proxy providers may add: Authentik's proxy outpost turns ak_proxy.user_attributes.additionalHeaders into request headers.
        entries.Add(Entry("authentik_providers_oauth2.scopemapping", Map(("name", S($"helix-{GrafanaRoleMapping}"))), Map(
            ("scope_name", S($"helix-{GrafanaRoleMapping}")),
            ("description", S("Grafana's role from the admins group")),
            ("expression", Literal($"role = \"Admin\" if ak_is_group_member(request.user, name=\"{AdminsGroup}\") else \"Viewer\"\n"
                + "return {\"ak_proxy\": {\"user_attributes\": {\"additionalHeaders\": {\"" + GrafanaRoleHeader + "\": role}}}}\n"))), id: GrafanaRoleMapping));
        foreach (var route in sso)
        {
            var url = $"https://{route.Route.Host}";
            var provider = Map(
                ("mode", S("forward_single")),
                ("external_host", S(url)),
                ("authorization_flow", Find("authentik_flows.flow", "slug", AuthorizationFlow)),
                ("invalidation_flow", Find("authentik_flows.flow", "slug", InvalidationFlow)),
                ("access_token_validity", S("hours=8")));
            if (route.Target.Name == Observability.Grafana)
            {
                // Added to the scopes Authentik gives every proxy provider (its serializer adds those on each save).
                provider.Add("property_mappings", new YamlSequenceNode(KeyOf(GrafanaRoleMapping)));
            }
            entries.Add(Entry("authentik_providers_proxy.proxyprovider", Map(("name", S($"helix-{route.Name}"))), provider, id: ProxyId(route)));
            entries.Add(Entry("authentik_core.application", Map(("slug", S($"sso-{route.Name}"))), Map(
                ("name", S(route.Route.Host)),
                ("provider", KeyOf(ProxyId(route))),
                ("meta_launch_url", S(url + route.Route.Path)),
                ("policy_engine_mode", S("any")))));
        }
        foreach (var client in OidcClients)
        {
            var id = $"oidc-{client.Slug}";
            entries.Add(Entry("authentik_providers_oauth2.oauth2provider", Map(("name", S($"helix-{client.Slug}"))), Map(
                ("client_type", S("confidential")),
                ("client_id", S(client.Slug)),
                ("client_secret", Env(client.SecretVariable)),
                ("redirect_uris", new YamlSequenceNode(Map(("matching_mode", S("strict")), ("url", S($"https://{model.Host(client.Target)}{client.CallbackPath}"))))),
                ("authorization_flow", Find("authentik_flows.flow", "slug", AuthorizationFlow)),
                ("invalidation_flow", Find("authentik_flows.flow", "slug", InvalidationFlow)),
                ("signing_key", Find("authentik_crypto.certificatekeypair", "name", "authentik Self-signed Certificate")),
                ("property_mappings", new YamlSequenceNode(Scopes.Select(s => (YamlNode)Find("authentik_providers_oauth2.scopemapping", "scope_name", s))))), id: id));
            entries.Add(Entry("authentik_core.application", Map(("slug", S(client.Slug))), Map(
                ("name", S(client.Target)),
                ("provider", KeyOf(id)),
                ("meta_launch_url", S($"https://{model.Host(client.Target)}/")))));
        }
        // Every SSO route's provider is answered by the embedded outpost, the one Traefik's middleware asks.
        entries.Add(Entry("authentik_outposts.outpost", Map(("managed", S(EmbeddedOutpost))), Map(
            ("providers", new YamlSequenceNode(sso.Select(r => (YamlNode)KeyOf(ProxyId(r))))))));

        var blueprint = Map(
            ("version", S("1")),
            ("metadata", Map(("name", S($"{model.Spec.Name} platform")),
                ("labels", Map(("blueprints.goauthentik.io/description", S("Rendered by helix render from platform/helix.yaml: SSO routes, OIDC clients, groups")))))),
            ("entries", entries));
        using var writer = new StringWriter { NewLine = "\n" };
        new YamlStream(new YamlDocument(blueprint)).Save(writer, assignAnchors: false);
        // YamlStream ends a document with "...": Authentik reads one document per file, so it is dropped.
        var text = writer.ToString();
        return (text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text).ReplaceLineEndings("\n");
    }

    private static YamlMappingNode Entry(string model, YamlMappingNode identifiers, YamlMappingNode attrs, string? id = null)
    {
        var entry = Map(("model", S(model)));
        if (id is not null)
        {
            entry.Add("id", id);
        }
        entry.Add("identifiers", identifiers);
        entry.Add("attrs", attrs);
        return entry;
    }

    private static YamlMappingNode Map(params (string Key, YamlNode Value)[] pairs)
    {
        var map = new YamlMappingNode();
        foreach (var (key, value) in pairs)
        {
            map.Add(key, value);
        }
        return map;
    }

    private static YamlScalarNode S(string value) => new(value);

    private static YamlScalarNode Literal(string value) => new(value) { Style = YamlDotNet.Core.ScalarStyle.Literal };

    // Authentik's YAML tags, resolved when the blueprint is applied: a row by a field, an entry's primary key, an environment variable.
    private static YamlSequenceNode Find(string model, string field, string value) =>
        new(S(model), new YamlSequenceNode(S(field), S(value)) { Style = SequenceStyle.Flow }) { Tag = new TagName("!Find"), Style = SequenceStyle.Flow };

    private static YamlScalarNode KeyOf(string id) => new(id) { Tag = new TagName("!KeyOf") };

    private static YamlScalarNode Env(string variable) => new(variable) { Tag = new TagName("!Env") };
}
