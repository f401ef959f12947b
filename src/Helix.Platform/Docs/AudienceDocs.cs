using Helix.Platform.Model;
using Helix.Platform.Output;

namespace Helix.Platform.Docs;

/// <summary>The seed's audience documents, each derived from the model: a spec change shows in every one it concerns.</summary>
internal static class AudienceDocs
{
    public static IEnumerable<(string Path, string Text)> Render(PlatformModel model, FileSet gitOps,
        IReadOnlyList<(string Type, string Name, System.Text.Json.Nodes.JsonObject Body)> terraform)
    {
        ArgumentNullException.ThrowIfNull(model);
        // The cost report is computed once, for every document that shows it.
        var cost = CostAnalysis.Analyse(model, terraform);
        yield return (CostDocument.Path, CostDocument.Render(model, cost, gitOps));
        yield return (PlatformEngineerView.Path, PlatformEngineerView.Render(model));
        yield return (NetworkAdminView.Path, NetworkAdminView.Render(model, terraform));
        yield return (IngressView.Path, IngressView.Render(model));
        yield return (RecruiterOverview.Path, RecruiterOverview.Render(model, cost));
        yield return (RulesDocument.Path, RulesDocument.Render());
    }
}
