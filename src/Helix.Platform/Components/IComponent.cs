using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// One box of the seed diagram, installed by one ArgoCD Application: what it is, needs and provides
/// (read by the model), and what it renders (read by the GitOps renderer). Adding a component is
/// one new type here and one line in <see cref="ComponentRegistry"/>.
/// </summary>
internal interface IComponent
{
    /// <summary>Its identity, chart pins, parts, flows, Secrets, CRDs, node pools and storage, from the spec.</summary>
    ComponentDeclaration Declare(PlatformSpec spec);

    /// <summary>Its charts with their values and its own objects, from the model.</summary>
    ComponentRender Render(PlatformModel model);
}
