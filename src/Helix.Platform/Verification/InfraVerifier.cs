using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Helix.Platform.Verification;

/// <summary>
/// Verifies the infra repository: Talos patches against the Talos machine-config schema, and the
/// Terraform JSON against the rules of its syntax: known top-level blocks, every reference to a
/// resource, data source, variable or local declared, no secret as a literal, and no Kubernetes
/// object created by Terraform (the cluster's contents are GitOps').
/// </summary>
internal static partial class InfraVerifier
{
    public const string TalosRule = "talos-schema";
    public const string TerraformRule = "terraform-json";
    public const string SecretRule = "no-secret-literal";
    public const string OwnerRule = "single-owner";

    private static readonly HashSet<string> TopLevel = new(StringComparer.Ordinal) { "terraform", "provider", "variable", "locals", "resource", "data", "output", "module", "moved", "import",
        "check", "removed" };

    /// <summary>Built-in names an expression may use besides declared objects.</summary>
    private static readonly HashSet<string> BuiltIns = new(StringComparer.Ordinal) { "path", "count", "each", "self", "terraform" };

    private static readonly string[] KubernetesTypes = ["kubernetes_", "helm_release", "kubectl_manifest"];

    /// <summary>What the model says Terraform owns, and the resource type that must create it.</summary>
    private static readonly Dictionary<string, string> TerraformOwned = new(StringComparer.Ordinal)
    {
        ["network"] = "hcloud_network",
        ["load-balancer"] = "hcloud_load_balancer",
        ["nat-floating-ips"] = "hcloud_floating_ip",
        ["dns"] = "aws_route53_zone",
        ["netbird-management"] = "netbird_setup_key",
        ["netbird-policies"] = "netbird_policy",
        ["iam-oidc-role"] = "aws_iam_openid_connect_provider",
        // The service-account issuer's signing key: what the cluster's roles trust.
        ["workload-identity"] = "tls_private_key",
        ["state-bucket"] = "aws_s3_bucket",
        ["kms-key"] = "aws_kms_key",
        ["talos-cluster"] = "talos_machine_secrets",
    };

    /// <summary>With the model: also that everything it gives to Terraform is created by Terraform, and the model's Talos and control plane.</summary>
    public static IReadOnlyList<Finding> Verify(IReadOnlyList<string> files, Func<string, string> read, Model.PlatformModel intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return Check(files, read, intent);
    }

    public static IReadOnlyList<Finding> Verify(IReadOnlyList<string> files, Func<string, string> read) => Check(files, read, null);

    // Each file is read and parsed once; every rule reads the parsed form.
    private static List<Finding> Check(IReadOnlyList<string> files, Func<string, string> read, Model.PlatformModel? intent)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(read);
        var findings = new List<Finding>();
        // Which pool is the control plane is the model's to say: its patches also pin etcd to the private network.
        var controlPlane = intent?.Spec.NodePools.Where(Infra.TalosPatches.IsControlPlane).Select(p => $"infra/talos/{p.Name}.yaml").ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var file in files.Where(f => f.StartsWith("infra/talos/", StringComparison.Ordinal) && f.EndsWith(".yaml", StringComparison.Ordinal)))
        {
            var documents = TreeVerifier.Documents(new StringReader(read(file)));
            findings.AddRange(Talos(file, documents));
            findings.AddRange(documents.Where(d => d.Error is null).SelectMany(d => InfraHardening.Talos(file, d.Document, controlPlane.Contains(file))));
        }
        foreach (var file in files.Where(f => f.StartsWith(DeliveryRules.Folder, StringComparison.Ordinal)))
        {
            findings.AddRange(DeliveryRules.Check(file, TreeVerifier.Documents(new StringReader(read(file)))));
        }
        var parsed = new List<(string File, JsonElement Root)>();
        findings.AddRange(Terraform([.. files.Where(f => f.EndsWith(".tf.json", StringComparison.Ordinal)).Select(f => (f, read(f)))], parsed));
        findings.AddRange(InfraHardening.Check(parsed));
        if (intent is null)
        {
            return findings;
        }
        findings.AddRange(InfraHardening.TalosProvider(parsed, intent.Spec.Cluster.TalosVersion));
        var types = parsed.Where(f => f.Root.ValueKind == JsonValueKind.Object && f.Root.TryGetProperty("resource", out var r) && r.ValueKind == JsonValueKind.Object)
            .SelectMany(f => f.Root.GetProperty("resource").EnumerateObject().Select(p => p.Name))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var owned in intent.TerraformResources)
        {
            if (!TerraformOwned.TryGetValue(owned, out var type))
            {
                findings.Add(new Finding(Severity.Error, "-", owned, OwnerRule, $"the model gives '{owned}' to Terraform, but Helix knows no resource for it", "map it in InfraVerifier"));
            }
            else if (!types.Contains(type))
            {
                findings.Add(new Finding(Severity.Error, "-", owned, OwnerRule, $"Terraform owns {owned}, but no {type} is declared in infra/terraform",
                    "render infra/ with helix render: what Terraform owns must exist there and nowhere else"));
            }
        }
        return findings;
    }

    private static readonly Lazy<JsonSchema> TalosSchema = new(() =>
    {
        using var stream = typeof(InfraVerifier).Assembly.GetManifestResourceStream("Helix.Platform.TalosSchema.json")
            ?? throw new InvalidOperationException("the Talos schema is not embedded");
        using var reader = new StreamReader(stream);
        return JsonSchema.FromText(CrdSchemas.DotNetPatterns(reader.ReadToEnd()),
            new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012.With([], allowUnknownKeywords: true) },
            new Uri("https://helix.invalid/schemas/talos/config.schema.v1.13.json"));
    });

    /// <summary>Every document of a patch must be a Talos config document the schema accepts (unknown fields refused).</summary>
    private static IEnumerable<Finding> Talos(string file, IReadOnlyList<(JsonElement Document, string? Error)> documents)
    {
        foreach (var (document, error) in documents)
        {
            if (error is not null)
            {
                yield return new Finding(Severity.Error, file, "-", TalosRule, error, "fix the YAML so the patch parses");
                continue;
            }
            var result = TalosSchema.Value.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (!result.IsValid)
            {
                yield return new Finding(Severity.Error, file, "-", TalosRule, $"not a valid Talos machine config: {CrdSchemas.FirstErrors(result, 5)}",
                    "write the patch as Talos v1.13's machine config defines it (talosctl validate)");
            }
        }
    }

    [GeneratedRegex(@"\$\{(?<expr>(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"(?<![\w.""])(?<root>[a-z_][a-z0-9_]*)\.(?<second>[a-z_][a-z0-9_-]*)(?:\.(?<third>[a-z_][a-z0-9_-]*))?")]
    private static partial Regex Reference();

    [GeneratedRegex(@"""[^""]*""")]
    private static partial Regex QuotedString();

    [GeneratedRegex(@"(?:^|_)(token|password|secret|private_key|access_key|secret_key)$")]
    private static partial Regex SecretName();

    /// <summary>The Terraform rules; <paramref name="parsed"/> receives every file that parses, for the rules after these.</summary>
    private static List<Finding> Terraform(List<(string File, string Text)> files, List<(string File, JsonElement Root)> parsed)
    {
        var findings = new List<Finding>();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, text) in files)
        {
            try
            {
                parsed.Add((file, JsonDocument.Parse(text).RootElement.Clone()));
            }
            catch (JsonException e)
            {
                findings.Add(new Finding(Severity.Error, file, "-", TerraformRule, $"not JSON: {e.Message}", "Terraform JSON files must be one JSON object"));
            }
        }
        foreach (var (file, root) in parsed)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                findings.Add(new Finding(Severity.Error, file, "-", TerraformRule, "the file is not a JSON object", "write the blocks as the properties of one object"));
                continue;
            }
            // "//" is Terraform's JSON comment (the generated-file notice).
            foreach (var block in root.EnumerateObject().Where(b => b.Name != "//"))
            {
                if (!TopLevel.Contains(block.Name))
                {
                    findings.Add(new Finding(Severity.Error, file, block.Name, TerraformRule, $"'{block.Name}' is not a Terraform block type",
                        $"use one of: {string.Join(", ", TopLevel.Order(StringComparer.Ordinal))}"));
                    continue;
                }
                switch (block.Name)
                {
                    case "resource":
                    case "data":
                        foreach (var type in Objects(block.Value, file, block.Name, findings))
                        {
                            foreach (var instance in Objects(type.Value, file, $"{block.Name}.{type.Name}", findings))
                            {
                                declared.Add(block.Name == "data" ? $"data.{type.Name}.{instance.Name}" : $"{type.Name}.{instance.Name}");
                                if (block.Name == "resource" && KubernetesTypes.Any(k => type.Name.StartsWith(k, StringComparison.Ordinal)))
                                {
                                    findings.Add(new Finding(Severity.Error, file, $"{type.Name}.{instance.Name}", OwnerRule, "Terraform creates a Kubernetes object",
                                        "render it into gitops/ instead: what runs in the cluster has one owner, GitOps (or Devtron for tenants' workloads)"));
                                }
                            }
                        }
                        break;
                    case "variable":
                        foreach (var variable in Objects(block.Value, file, "variable", findings))
                        {
                            declared.Add($"var.{variable.Name}");
                            if (SecretName().IsMatch(variable.Name) && !(variable.Value.TryGetProperty("sensitive", out var s) && s.ValueKind == JsonValueKind.True))
                            {
                                findings.Add(new Finding(Severity.Error, file, $"var.{variable.Name}", SecretRule, $"variable {variable.Name} holds a secret but is not sensitive",
                                    "set \"sensitive\": true so plans and logs never show it"));
                            }
                        }
                        break;
                    case "locals":
                        if (block.Value.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var local in block.Value.EnumerateObject())
                            {
                                declared.Add($"local.{local.Name}");
                            }
                        }
                        break;
                    case "output":
                        foreach (var output in Objects(block.Value, file, "output", findings))
                        {
                            if (!output.Value.TryGetProperty("value", out _))
                            {
                                findings.Add(new Finding(Severity.Error, file, $"output.{output.Name}", TerraformRule, "an output without a value", "give the output a \"value\""));
                            }
                        }
                        break;
                }
            }
        }
        foreach (var (file, root) in parsed.Where(p => p.Root.ValueKind == JsonValueKind.Object))
        {
            foreach (var (path, name, value) in Strings(root, ""))
            {
                if (SecretName().IsMatch(name) && !value.Contains("${", StringComparison.Ordinal) && value.Length > 0)
                {
                    findings.Add(new Finding(Severity.Error, file, path, SecretRule, $"'{name}' is set to a literal value",
                        "pass secrets as sensitive variables (\"${var.name}\"), never in the file"));
                }
                foreach (Match interpolation in Interpolation().Matches(value))
                {
                    // Quoted strings inside an expression are text, not references.
                    var expression = QuotedString().Replace(interpolation.Groups["expr"].Value, "\"\"");
                    foreach (Match reference in Reference().Matches(expression))
                    {
                        var root2 = reference.Groups["root"].Value;
                        var address = root2 switch
                        {
                            "var" or "local" => $"{root2}.{reference.Groups["second"].Value}",
                            "data" => $"data.{reference.Groups["second"].Value}.{reference.Groups["third"].Value}",
                            _ => $"{root2}.{reference.Groups["second"].Value}",
                        };
                        if (BuiltIns.Contains(root2) || declared.Contains(address) || IsFunctionCall(expression, reference))
                        {
                            continue;
                        }
                        findings.Add(new Finding(Severity.Error, file, path, TerraformRule, $"'{address}' is referenced but declared nowhere",
                            "declare it (resource, data source, variable or local) or fix the reference"));
                    }
                }
            }
            foreach (var dependsOn in DependsOn(root))
            {
                if (!declared.Contains(dependsOn.Target))
                {
                    findings.Add(new Finding(Severity.Error, file, dependsOn.Path, TerraformRule, $"depends_on names '{dependsOn.Target}', which is declared nowhere", "name a declared resource"));
                }
            }
        }
        return findings;
    }

    /// <summary>A dotted name followed by a call is a provider function, not an object (attribute chains are excluded by the pattern).</summary>
    private static bool IsFunctionCall(string expression, Match reference)
    {
        var end = reference.Index + reference.Length;
        return end < expression.Length && expression[end] == '(';
    }

    private static IEnumerable<JsonProperty> Objects(JsonElement element, string file, string where, List<Finding> findings)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            findings.Add(new Finding(Severity.Error, file, where, TerraformRule, $"{where} must be an object of named blocks", "write { \"name\": { ... } }"));
            yield break;
        }
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                findings.Add(new Finding(Severity.Error, file, $"{where}.{property.Name}", TerraformRule, $"{where}.{property.Name} must be an object", "write the block's arguments as an object"));
                continue;
            }
            yield return property;
        }
    }

    private static IEnumerable<(string Path, string Name, string Value)> Strings(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return ($"{path}{property.Name}", property.Name, property.Value.GetString()!);
                    }
                    else
                    {
                        foreach (var nested in Strings(property.Value, $"{path}{property.Name}."))
                        {
                            yield return nested;
                        }
                    }
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        yield return ($"{path}[{i}]", "", item.GetString()!);
                    }
                    else
                    {
                        foreach (var nested in Strings(item, $"{path}[{i}]."))
                        {
                            yield return nested;
                        }
                    }
                    i++;
                }
                break;
        }
    }

    private static IEnumerable<(string Path, string Target)> DependsOn(JsonElement root)
    {
        foreach (var (path, name, value) in Strings(root, ""))
        {
            if (path.Contains(".depends_on[", StringComparison.Ordinal) && name.Length == 0)
            {
                yield return (path, value);
            }
        }
    }
}
