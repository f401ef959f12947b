namespace Helix.Platform.Spec;

/// <summary>One problem with a spec: where, what, and what to write instead.</summary>
public sealed record SpecError(string File, SourceMark Mark, string Message, string Fix)
{
    public override string ToString() => $"{File}:{Mark}: {Message} ({Fix})";
}
