using Helix.Platform.Docs;
using Helix.Platform.Infra;
using Helix.Platform.Model;
using Helix.Platform.Output;

namespace Helix.Platform.Rendering;

/// <summary>Everything one spec renders into: the GitOps tree, the infra repository (Terraform, Talos) and the architecture diagram.</summary>
internal static class PlatformRenderer
{
    /// <summary>Folders a render owns completely: files there that the render no longer produces are removed.</summary>
    public static readonly IReadOnlyList<string> OwnedFolders = [.. GitOpsRenderer.OwnedFolders, TerraformRenderer.Folder, "infra/talos"];

    public static FileSet Render(PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var files = GitOpsRenderer.Render(model);
        // Terraform is rendered once: its files, and the resources the runbook and the documents read off them.
        var terraformFiles = TerraformRenderer.Render(model);
        var terraform = RenderedTerraform.Resources(terraformFiles).ToList();
        foreach (var (path, text) in terraformFiles.Concat(TalosPatches.Render(model)).Concat(CiWorkflows.Render(model)))
        {
            files.AddGenerated(path, text);
        }
        files.Add("docs/architecture/platform.md", MermaidGraph.Render(model));
        files.Add(BringUp.Path, BringUp.Render(model, terraform));
        foreach (var (path, text) in AudienceDocs.Render(model, files, terraform).ToList())
        {
            files.Add(path, text);
        }
        return files;
    }
}
