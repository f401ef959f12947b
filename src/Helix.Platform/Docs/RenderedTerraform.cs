using System.Text.Json.Nodes;
using Helix.Platform.Infra;
using Helix.Platform.Model;

namespace Helix.Platform.Docs;

/// <summary>The resources <c>terraform apply</c> would create, read from the rendered JSON: the documents restate nothing Terraform owns.</summary>
internal static class RenderedTerraform
{
    /// <summary>Every resource, as (type, name, body), in file order.</summary>
    public static IEnumerable<(string Type, string Name, JsonObject Body)> Resources(PlatformModel model) => Resources(TerraformRenderer.Render(model));

    /// <summary>The same from Terraform's files already rendered: a render reads them once for every document.</summary>
    public static IEnumerable<(string Type, string Name, JsonObject Body)> Resources(IEnumerable<(string Path, string Text)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var (_, text) in files)
        {
            if (JsonNode.Parse(text)?["resource"] is not JsonObject resources)
            {
                continue;
            }
            foreach (var (type, byName) in resources)
            {
                foreach (var (name, body) in byName!.AsObject())
                {
                    yield return (type, name, body!.AsObject());
                }
            }
        }
    }
}
