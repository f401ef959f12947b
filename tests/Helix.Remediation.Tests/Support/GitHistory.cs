using Helix.Testing;
using LibGit2Sharp;

namespace Helix.Remediation.Tests.Support;

/// <summary>A developer's clone of a test repository: writes history to <c>main</c> and reads the remote back.</summary>
internal sealed class GitHistory : IDisposable
{
    private readonly GitTestRepo _remote;
    private readonly Repository _clone;

    public GitHistory(GitTestRepo remote, string directory)
    {
        _remote = remote;
        Repository.Init(directory);
        _clone = new Repository(directory);
        _clone.Network.Remotes.Add("origin", remote.Url.ToString());
    }

    /// <summary>Commits the files and pushes to <c>main</c>; returns the commit's sha.</summary>
    public string Commit(string message, params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(_clone.Info.WorkingDirectory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
            Commands.Stage(_clone, path);
        }
        var signature = new Signature("dev", "dev@example.com", DateTimeOffset.UtcNow);
        var commit = _clone.Commit(message, signature, signature, new CommitOptions { AllowEmptyCommit = files.Length == 0 });
        _clone.Network.Push(_clone.Network.Remotes["origin"], "refs/heads/master:refs/heads/main", new PushOptions { CredentialsProvider = _remote.CredentialsProvider });
        return commit.Sha;
    }

    public string RemoteFile(string branch, string path)
    {
        using var bare = new Repository(_remote.Path);
        return ((Blob)bare.Branches[branch].Tip[path].Target).GetContentText();
    }

    public bool RemoteHasBranch(string branch)
    {
        using var bare = new Repository(_remote.Path);
        return bare.Branches[branch] is not null;
    }

    /// <summary>The remote's branches other than <c>main</c>.</summary>
    public IReadOnlyList<string> RemoteRollbackBranches()
    {
        using var bare = new Repository(_remote.Path);
        return [.. bare.Branches.Select(b => b.FriendlyName).Where(n => n != "main").Order(StringComparer.Ordinal)];
    }

    public Commit RemoteTip(string branch)
    {
        using var bare = new Repository(_remote.Path);
        return bare.Branches[branch].Tip;
    }

    public void Dispose() => _clone.Dispose();
}
