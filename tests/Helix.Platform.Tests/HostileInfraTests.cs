using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Helix.Platform.Model;
using Helix.Platform.Simulation;
using Helix.Platform.Verification;
using YamlDotNet.RepresentationModel;
using YamlNode = YamlDotNet.RepresentationModel.YamlNode;

namespace Helix.Platform.Tests;

/// <summary>
/// The infrastructure, workflow and blueprint rules over hand edits of any field to any JSON value
/// (JSON is YAML, so the edited workflows and blueprint are read as written): findings, never a crash.
/// </summary>
public sealed class HostileInfraTests
{
    private static readonly PlatformModel Model = ReferenceSpec.Model;
    private static readonly Lazy<Output.FileSet> Files = new(() => PlatformCompiler.Render(Model));

    private static JsonNode Yaml(string path) =>
        JsonSerializer.SerializeToNode(TreeVerifier.Documents(new StringReader(Files.Value.Text(path))).First().Document)!;

    [Fact]
    public void AnyEditOfTerraformWorkflowsOrTheBlueprint_IsVerifiedWithoutACrash()
    {
        var terraform = Files.Value.Paths.Where(p => p.EndsWith(".tf.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var workflows = Files.Value.Paths.Where(p => p.StartsWith(DeliveryRules.Folder, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var blueprintMap = Yaml("gitops/platform/authentik/base/blueprints.yaml");
        var authentik = Yaml("gitops/platform/authentik/application.yaml");
        HostileEdits.Edit.Array[1, 3].Sample(edits =>
        {
            var files = terraform.Concat(workflows).ToDictionary(p => p, p => p.EndsWith(".json", StringComparison.Ordinal)
                ? JsonNode.Parse(Files.Value.Text(p))! : Yaml(p), StringComparer.Ordinal);
            var blueprint = new YamlStream();
            blueprint.Load(new StringReader((string)blueprintMap["data"]![Components.AuthentikBlueprint.File]!));
            var targets = files.Values.ToList();
            foreach (var (which, where, value) in edits)
            {
                if (which % (targets.Count + 1) == targets.Count)
                {
                    Replace(blueprint.Documents[0].RootNode, where, value());
                }
                else
                {
                    HostileEdits.Apply(targets[which % (targets.Count + 1)], where, value);
                }
            }
            var texts = files.ToDictionary(f => f.Key, f => f.Value.ToJsonString(), StringComparer.Ordinal);
            var findings = InfraVerifier.Verify([.. texts.Keys], p => texts[p], Model).ToList();
            var map = blueprintMap.DeepClone();
            using var writer = new StringWriter();
            blueprint.Save(writer, assignAnchors: false);
            map["data"]![Components.AuthentikBlueprint.File] = writer.ToString();
            findings.AddRange(BlueprintRules.Check([new KubeObject("blueprints.yaml", JsonSerializer.SerializeToElement(map)),
                new KubeObject("application.yaml", JsonSerializer.SerializeToElement(authentik))]));
            Assert.All(findings, f => Assert.False(string.IsNullOrEmpty(f.Rule)));
        }, iter: 150);
    }

    /// <summary>The blueprint keeps Authentik's tags, so it is edited as YAML: the value becomes a tagged scalar, a list, a map or text.</summary>
    private static void Replace(YamlNode root, int where, JsonNode? value)
    {
        var places = new List<(YamlNode Parent, YamlNode? Key, int Index)>();
        void Walk(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode m:
                    foreach (var (key, child) in m.Children.ToList())
                    {
                        places.Add((m, key, -1));
                        Walk(child);
                    }
                    break;
                case YamlSequenceNode q:
                    for (var i = 0; i < q.Children.Count; i++)
                    {
                        places.Add((q, null, i));
                        Walk(q.Children[i]);
                    }
                    break;
            }
        }
        Walk(root);
        if (places.Count == 0)
        {
            return;
        }
        YamlNode replacement = (where / places.Count % 5) switch
        {
            0 => new YamlScalarNode(value?.ToJsonString() ?? "null") { Tag = new YamlDotNet.Core.TagName("!KeyOf") },
            1 => new YamlSequenceNode(new YamlScalarNode("x")) { Tag = new YamlDotNet.Core.TagName("!Find") },
            2 => new YamlSequenceNode(new YamlMappingNode()),
            3 => new YamlMappingNode(new YamlScalarNode("*"), new YamlScalarNode(value?.ToJsonString() ?? "")),
            _ => new YamlScalarNode(value?.ToJsonString() ?? ""),
        };
        var (parent, key, index) = places[where % places.Count];
        if (parent is YamlMappingNode map)
        {
            map.Children[key!] = replacement;
        }
        else
        {
            ((YamlSequenceNode)parent).Children[index] = replacement;
        }
    }
}
