using System.Text.RegularExpressions;

namespace Helix.Platform.Output;

/// <summary>
/// The repo-server plugin for a chart whose output the platform trims: it runs <c>helm template</c>
/// as Argo CD would for a Helm source (release, namespace, Kubernetes version, CRDs, the values), then
/// leaves out every document whose kind and <c>metadata.name</c> match a removal. For charts that write
/// what the platform must own, such as Helm-hook Secrets that Argo CD re-creates on every sync with
/// values generated afresh. Kustomize cannot do it: it rejects charts whose output repeats a key in
/// a map, which Helm, Argo CD and the API server accept.
/// </summary>
internal static partial class HelmTrim
{
    public const string Name = "helm-trim";

    public const string Chart = "chart";
    public const string Repo = "repo";
    public const string Version = "version";
    public const string Release = "release";
    public const string KubeVersion = "kube-version";

    /// <summary>The values, as JSON (which is YAML).</summary>
    public const string Values = "values";

    /// <summary>One removal per line, <c>Kind/pattern</c>.</summary>
    public const string Remove = "remove";

    /// <summary>
    /// The plugin's <c>sh -c</c> program. Argo CD passes each parameter as <c>PARAM_&lt;NAME&gt;</c>; awk
    /// reads the removals from its environment, so a pattern is never unescaped on the way. A document's
    /// name is the first two-space <c>name:</c> under its top-level <c>metadata:</c>, as Helm writes it.
    /// </summary>
    public const string Script = """
        set -eu
        out=$(mktemp)
        printf '%s' "$PARAM_VALUES" | helm template "$PARAM_RELEASE" "$PARAM_CHART" --repo "$PARAM_REPO" --version "$PARAM_VERSION" \
          --namespace "$ARGOCD_APP_NAMESPACE" --kube-version "$PARAM_KUBE_VERSION" --include-crds --values - > "$out"
        awk '
        BEGIN { n = split(ENVIRON["PARAM_REMOVE"], rules, "\n") }
        function flush(   i, k, r, keep) {
          keep = 1
          for (i = 1; i <= n; i++) {
            if (rules[i] == "") continue
            k = rules[i]; sub(/\/.*/, "", k)
            r = rules[i]; sub(/^[^\/]*\//, "", r)
            if (kind == k && name ~ ("^(" r ")$")) keep = 0
          }
          if (keep && doc != "") printf "---\n%s", doc
          doc = ""; kind = ""; name = ""; meta = 0
        }
        /^---/ { flush(); next }
        {
          doc = doc $0 "\n"
          if ($0 ~ /^kind:/) { kind = $0; sub(/^kind:[ \t]*/, "", kind); gsub(/["'"'"' \t\r]/, "", kind) }
          if ($0 ~ /^[^ \t#]/) meta = ($0 ~ /^metadata:/)
          else if (meta && name == "" && $0 ~ /^  name:/) { name = $0; sub(/^  name:[ \t]*/, "", name); gsub(/["'"'"' \t\r]/, "", name) }
        }
        END { flush() }
        ' "$out"
        rm -f "$out"
        """;

    // No interval braces: older mawk builds read {n} literally.
    [GeneratedRegex(@"^[A-Za-z0-9._\-|()\[\]+*?^$]*$")]
    private static partial Regex PortablePattern();

    /// <summary>A removal's test of an object's kind and name, its pattern compiled once; null when <see cref="Problem"/> refuses it.</summary>
    public static Func<string?, string?, bool>? Matcher(string removal)
    {
        if (Problem(removal) is not null)
        {
            return null;
        }
        var slash = removal.IndexOf('/', StringComparison.Ordinal);
        var kind = removal[..slash];
        var pattern = new Regex($"^({removal[(slash + 1)..]})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return (objectKind, name) =>
        {
            try
            {
                return objectKind == kind && name is not null && pattern.IsMatch(name);
            }
            catch (RegexMatchTimeoutException)
            {
                return false; // a pattern that backtracks without end takes nothing; Problem does not see that coming
            }
        };
    }

    /// <summary>
    /// Why a removal cannot be read alike by awk and by verification, or null: it must be <c>Kind/pattern</c>,
    /// the pattern a regular expression without backslashes (awk and .NET unescape differently).
    /// </summary>
    public static string? Problem(string removal)
    {
        ArgumentNullException.ThrowIfNull(removal);
        var slash = removal.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == removal.Length - 1)
        {
            return $"'{removal}' is not Kind/pattern";
        }
        if (removal.Contains('\\', StringComparison.Ordinal))
        {
            return $"'{removal}' has a backslash, which awk and verification read differently";
        }
        // Only what POSIX extended expressions and .NET read alike: names, alternation, groups, classes, quantifiers, anchors.
        if (!PortablePattern().IsMatch(removal[(slash + 1)..]) || removal.Contains("(?", StringComparison.Ordinal))
        {
            return $"'{removal}' uses more than awk's extended regular expressions and verification read alike (letters, digits, . _ - | ( ) [ ] + * ? ^ $)";
        }
        try
        {
            _ = new Regex(removal[(slash + 1)..], RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException e)
        {
            return $"'{removal}' is not a regular expression: {e.Message}";
        }
    }
}
