using LibGit2Sharp;
using LibGit2Sharp.Handlers;

namespace Helix.Remediation.Git;

/// <summary>What to revert: the commits after the last healthy revision up to the one whose sync went bad.</summary>
/// <param name="Application">The ArgoCD application; names the branch.</param>
/// <param name="Healthy">The last revision the application was healthy at (excluded).</param>
/// <param name="Bad">The revision whose sync preceded the degradation (included).</param>
/// <param name="Paths">Folders the application owns in the repository (its <c>source.path</c>s).</param>
/// <param name="AllowForeignPaths">Revert even when the range also touched other applications' files.</param>
/// <param name="DryRun">Do everything but push: the outcome says what would have been pushed.</param>
public sealed record RevertRequest(string Application, string Healthy, string Bad, IReadOnlyList<string> Paths, bool AllowForeignPaths = false, bool DryRun = false);

/// <summary>How a rollback attempt ended; every case says why.</summary>
public abstract record RevertOutcome
{
    /// <summary>The rollback branch is pushed, with one revert commit per commit of the range, newest first.</summary>
    public sealed record Pushed(string Branch, string Head, IReadOnlyList<string> Reverted) : RevertOutcome;

    /// <summary>A dry run: the reverts apply cleanly and would be pushed as this branch.</summary>
    public sealed record Prepared(string Branch, IReadOnlyList<string> Reverted) : RevertOutcome;

    /// <summary>The range holds a rollback Helix made: rolling it back automatically could loop, so a person decides.</summary>
    public sealed record RollbackInRange(string Commit) : RevertOutcome;

    /// <summary>The branch already exists on the remote: an earlier attempt pushed it (idempotent).</summary>
    public sealed record AlreadyPushed(string Branch) : RevertOutcome;

    /// <summary>A revert did not apply cleanly; nothing was pushed and nothing is guessed.</summary>
    public sealed record Conflict(string Commit, IReadOnlyList<string> Paths) : RevertOutcome;

    /// <summary>The range changes files outside the application's paths.</summary>
    public sealed record ForeignPaths(IReadOnlyList<string> Paths) : RevertOutcome;

    /// <summary>The revisions are unknown, or the bad one is not on the target branch (any more).</summary>
    public sealed record NotOnBranch(string Reason) : RevertOutcome;

    /// <summary>The range is empty (the bad revision is the healthy one, or already behind it).</summary>
    public sealed record NothingToRevert : RevertOutcome;
}

/// <summary>Where the GitOps repository is and how to reach it; the token is read from a reference, never configured in clear.</summary>
public sealed record GitRemote(Uri Url, string Branch, string Username, Func<string> Token, string AuthorName, string AuthorEmail);

/// <summary>
/// The git half of a rollback, with a real git client (libgit2): fetch the GitOps repository into a
/// working clone, re-read the target branch head, create <c>helix/rollback/&lt;app&gt;/&lt;short sha&gt;</c>
/// from it, revert the range newest first, and push over HTTPS with the token. A conflict aborts the
/// attempt and is reported with its files; nothing is resolved by guesswork.
/// </summary>
public sealed class RollbackRepository(GitRemote remote, string workDirectory, TimeProvider time)
{
    public const string BranchPrefix = "helix/rollback/";

    /// <summary>The trailer every revert commit of Helix carries; a range holding one is never reverted automatically.</summary>
    public const string Trailer = "Helix-Rollback";

    /// <summary>The subject of Helix's pull requests, which a squash or merge commit of one starts with.</summary>
    public const string TitlePrefix = "helix: roll back ";

    private readonly object _gate = new();

    private CredentialsHandler Credentials => (_, _, _) => new UsernamePasswordCredentials { Username = remote.Username, Password = remote.Token() };

    public static string BranchName(string application, string badRevision) => $"{BranchPrefix}{application}/{badRevision[..Math.Min(12, badRevision.Length)]}";

    public RevertOutcome Revert(RevertRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // One working clone per service: attempts run one at a time.
        lock (_gate)
        {
            using var repo = Open();
            var origin = repo.Network.Remotes["origin"];
            Commands.Fetch(repo, origin.Name, [$"+refs/heads/*:refs/remotes/origin/*"], new FetchOptions { CredentialsProvider = Credentials, Prune = true }, null);

            var head = repo.Branches[$"origin/{remote.Branch}"]?.Tip;
            if (head is null)
            {
                return new RevertOutcome.NotOnBranch($"the remote has no branch {remote.Branch}");
            }
            if (repo.Lookup<Commit>(request.Bad) is not { } bad || repo.Lookup<Commit>(request.Healthy) is not { } healthy)
            {
                return new RevertOutcome.NotOnBranch($"{request.Healthy} or {request.Bad} is not a commit of the repository");
            }
            if (!IsAncestor(repo, bad, head))
            {
                return new RevertOutcome.NotOnBranch($"{bad.Sha[..12]} is no longer on {remote.Branch} (head {head.Sha[..12]})");
            }

            var range = repo.Commits.QueryBy(new CommitFilter { IncludeReachableFrom = bad, ExcludeReachableFrom = healthy, SortBy = CommitSortStrategies.Topological }).ToList();
            if (range.Count == 0)
            {
                return new RevertOutcome.NothingToRevert();
            }

            if (range.FirstOrDefault(IsRollback) is { } rollback)
            {
                return new RevertOutcome.RollbackInRange(rollback.Sha);
            }

            var foreign = range.SelectMany(c => Changed(repo, c)).Where(p => !request.Paths.Any(owned => Under(p, owned)))
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (foreign.Count > 0 && !request.AllowForeignPaths)
            {
                return new RevertOutcome.ForeignPaths(foreign);
            }

            var branch = BranchName(request.Application, bad.Sha);
            if (repo.Branches[$"origin/{branch}"] is not null)
            {
                return new RevertOutcome.AlreadyPushed(branch);
            }

            repo.Reset(ResetMode.Hard, head);
            repo.RemoveUntrackedFiles();
            if (repo.Branches[branch] is { } stale)
            {
                repo.Branches.Remove(stale); // left by an attempt that died half way
            }
            Commands.Checkout(repo, repo.CreateBranch(branch, head), new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });

            var signature = new Signature(remote.AuthorName, remote.AuthorEmail, time.GetUtcNow());
            var reverted = new List<string>();
            foreach (var commit in range) // newest first
            {
                var result = repo.Revert(commit, signature, new RevertOptions
                {
                    CommitOnSuccess = false,
                    Mainline = commit.Parents.Count() > 1 ? 1 : 0,
                    FileConflictStrategy = CheckoutFileConflictStrategy.Normal,
                });
                if (result.Status == RevertStatus.Conflicts)
                {
                    var paths = repo.Index.Conflicts.Select(c => (c.Ours ?? c.Theirs ?? c.Ancestor).Path).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                    Abandon(repo, head, branch);
                    return new RevertOutcome.Conflict(commit.Sha, paths);
                }
                if (result.Status == RevertStatus.Reverted && repo.RetrieveStatus(new StatusOptions { IncludeUntracked = false }).IsDirty)
                {
                    repo.Commit($"Revert \"{commit.MessageShort}\"\n\nThis reverts commit {commit.Sha}.\n\n{Trailer}: {request.Application}\n", signature, signature);
                    reverted.Add(commit.Sha);
                }
                else
                {
                    repo.Reset(ResetMode.Hard, repo.Head.Tip); // an empty revert: the change is undone on the branch already
                }
            }
            if (reverted.Count == 0)
            {
                Abandon(repo, head, branch);
                return new RevertOutcome.NothingToRevert(); // every change of the range is already undone on the branch
            }

            if (request.DryRun)
            {
                Abandon(repo, head, branch);
                return new RevertOutcome.Prepared(branch, reverted);
            }
            repo.Network.Push(origin, $"refs/heads/{branch}:refs/heads/{branch}", new PushOptions { CredentialsProvider = Credentials });
            var pushed = repo.Head.Tip.Sha;
            Abandon(repo, head, branch);
            return new RevertOutcome.Pushed(branch, pushed, reverted);
        }
    }

    private Repository Open()
    {
        if (!Repository.IsValid(workDirectory))
        {
            if (Directory.Exists(workDirectory))
            {
                Directory.Delete(workDirectory, recursive: true);
            }
            Repository.Clone(remote.Url.ToString(), workDirectory, new CloneOptions { FetchOptions = { CredentialsProvider = Credentials }, BranchName = remote.Branch });
        }
        return new Repository(workDirectory);
    }

    /// <summary>Back on a detached head at the branch tip, the local rollback branch gone: the clone is ready for the next attempt.</summary>
    private static void Abandon(Repository repo, Commit head, string branch)
    {
        repo.Reset(ResetMode.Hard, head);
        Commands.Checkout(repo, head, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
        if (repo.Branches[branch] is { } local)
        {
            repo.Branches.Remove(local);
        }
    }

    private static bool IsRollback(Commit commit) =>
        commit.Message.Contains($"\n{Trailer}: ", StringComparison.Ordinal)
        || commit.MessageShort.StartsWith(TitlePrefix, StringComparison.Ordinal)
        || commit.MessageShort.Contains("/" + BranchPrefix, StringComparison.Ordinal)
        || commit.MessageShort.Contains("'" + BranchPrefix, StringComparison.Ordinal);

    private static bool IsAncestor(Repository repo, Commit ancestor, Commit of) =>
        ancestor.Sha == of.Sha || repo.ObjectDatabase.FindMergeBase(ancestor, of)?.Sha == ancestor.Sha;

    private static IEnumerable<string> Changed(Repository repo, Commit commit)
    {
        var parent = commit.Parents.FirstOrDefault();
        using var changes = repo.Diff.Compare<TreeChanges>(parent?.Tree, commit.Tree);
        foreach (var change in changes)
        {
            yield return change.Path;
            if (change.OldPath != change.Path)
            {
                yield return change.OldPath;
            }
        }
    }

    private static bool Under(string path, string folder)
    {
        var prefix = folder.Trim('/');
        return prefix.Length == 0 || path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);
    }
}
