namespace Helix.Workflows;

/// <summary>The workflows a process can run, by name.</summary>
public sealed class WorkflowRegistry(IEnumerable<IWorkflow> workflows)
{
    private readonly Dictionary<string, IWorkflow> _byName = workflows.ToDictionary(w => w.Name, StringComparer.Ordinal);

    public IWorkflow? Find(string name) => _byName.GetValueOrDefault(name);

    public IReadOnlyCollection<string> Names => _byName.Keys;
}
