using Helix.Platform.Model;
using Helix.Platform.Output;

namespace Helix.Platform.Docs;

/// <summary>The seed's audience documents, each derived from the model: a spec change shows in every one it concerns.</summary>
internal static class AudienceDocs
{
    public static IEnumerable<(string Path, string Text)> Render(PlatformModel model, FileSet gitOps)
    {
        ArgumentNullException.ThrowIfNull(model);
        yield return (CostDocument.Path, CostDocument.Render(model, gitOps));
        yield return (PlatformEngineerView.Path, PlatformEngineerView.Render(model));
        yield return (NetworkAdminView.Path, NetworkAdminView.Render(model));
        yield return (IngressView.Path, IngressView.Render(model));
        yield return (RecruiterOverview.Path, RecruiterOverview.Render(model));
    }
}
