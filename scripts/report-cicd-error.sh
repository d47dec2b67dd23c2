#!/usr/bin/env bash
# Reports a failed CI step to Log Center as a `cicd` bug. Needs only bash, curl and jq.
# It never fails the pipeline (exit 0 whatever happens) unless --strict is given.
set -uo pipefail

usage() {
  cat <<'EOF'
Usage: report-cicd-error.sh --project P --step S [--log-file F] [options]

Reports a failed CI step to Log Center (POST /api/v1/logs/report, source "cicd").
Same job and step failing again is the same bug; its count grows.

Options:
  --project ID       Log Center project id (default: the repository name, "-" -> "_")
  --step NAME        the step that failed, e.g. "npm test" (infers error_type)
  --message TEXT     bug message (default: "Step 'S' failed in job J: <last log line>")
  --log-file FILE    log to attach: last 200 lines, at most 64 KB, ANSI colours stripped
  --level LEVEL      DEBUG, INFO, WARNING, ERROR (default) or CRITICAL
  --error-type TYPE  overrides the type inferred from the step name
  --strict           exit non-zero when the report cannot be delivered
  -h, --help         this help

Environment:
  LOG_CENTER_URL, LOG_CENTER_API_KEY   server and ingest key (missing: warning, exit 0)
  LOG_CENTER_ENVIRONMENT               bug environment (default "ci")
  GITHUB_WORKFLOW GITHUB_JOB GITHUB_RUN_ID GITHUB_RUN_NUMBER GITHUB_SHA GITHUB_REF_NAME
  GITHUB_HEAD_REF GITHUB_REPOSITORY GITHUB_SERVER_URL GITHUB_ACTOR, or their GITEA_* twins

Step names map to error types: docker -> DockerBuildError, npm/yarn/pnpm build ->
NpmBuildError, test -> TestFailure, lint -> LintError, deploy -> DeployError, else CIError.
EOF
}

readonly max_lines=200
readonly max_log_bytes=65536
# Raw bytes read from the end of the log before colours are stripped; plenty for 64 KB of text.
readonly max_raw_bytes=262144

strict=false
project=''
step=''
message=''
log_file=''
level='ERROR'
error_type=''
notes=()
usage_errors=()

status_line() {
  local text=$1
  if [ ${#notes[@]} -gt 0 ]; then
    local IFS=';'
    text+=" (${notes[*]})"
  fi
  printf 'log-center: %s\n' "$text" >&2
}

# Ends the script: success, or a warning that only fails the step under --strict.
finish() {
  local code=$1 text=$2
  if [ "$code" -eq 0 ]; then
    status_line "$text"
    exit 0
  fi
  if [ "$strict" = true ]; then
    status_line "error: $text"
    exit "$code"
  fi
  status_line "warning: $text; the pipeline goes on"
  exit 0
}

tmp_dir=''
# shellcheck disable=SC2317 # run by the EXIT trap
on_exit() {
  local code=$?
  [ -n "$tmp_dir" ] && rm -rf -- "$tmp_dir"
  # An unexpected failure of this script must not fail the pipeline either.
  if [ "$code" -ne 0 ] && [ "$strict" != true ]; then
    exit 0
  fi
}
trap on_exit EXIT

while [ $# -gt 0 ]; do
  arg=$1
  shift
  value=''
  has_value=false
  case "$arg" in
    --*=*)
      value=${arg#*=}
      arg=${arg%%=*}
      has_value=true
      ;;
  esac
  case "$arg" in
    -h | --help)
      usage
      exit 0
      ;;
    --strict)
      strict=true
      continue
      ;;
    --project | --step | --message | --log-file | --level | --error-type)
      if [ "$has_value" = false ]; then
        if [ $# -eq 0 ]; then
          usage_errors+=("$arg needs a value")
          continue
        fi
        value=$1
        shift
      fi
      ;;
    *)
      usage_errors+=("unknown option $arg")
      continue
      ;;
  esac
  case "$arg" in
    --project) project=$value ;;
    --step) step=$value ;;
    --message) message=$value ;;
    --log-file) log_file=$value ;;
    --level) level=$value ;;
    --error-type) error_type=$value ;;
  esac
done

if [ ${#usage_errors[@]} -gt 0 ]; then
  notes+=("see --help")
  finish 2 "$(IFS=';' && printf '%s' "${usage_errors[*]}")"
fi

for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || finish 1 "$tool is not installed, the failure was not reported"
done

# The runner's variable, else its Gitea twin (GITHUB_JOB, then GITEA_JOB).
runner_var() {
  local github="GITHUB_$1" gitea="GITEA_$1"
  if [ -n "${!github:-}" ]; then
    printf '%s' "${!github}"
  else
    printf '%s' "${!gitea:-}"
  fi
}

workflow=$(runner_var WORKFLOW)
job_name=$(runner_var JOB)
run_id=$(runner_var RUN_ID)
run_number=$(runner_var RUN_NUMBER)
commit_sha=$(runner_var SHA)
repository=$(runner_var REPOSITORY)
actor=$(runner_var ACTOR)
server_url=$(runner_var SERVER_URL)
# On a pull request REF_NAME is "<n>/merge"; the head branch says more.
branch=$(runner_var HEAD_REF)
[ -n "$branch" ] || branch=$(runner_var REF_NAME)
run_url=''
if [ -n "$server_url" ] && [ -n "$repository" ] && [ -n "$run_id" ]; then
  run_url="${server_url%/}/${repository}/actions/runs/${run_id}"
fi

if [ -z "$project" ] && [ -n "$repository" ]; then
  # The pod monitor maps "rtc-backend" to "rtc_backend" too, so CI and deployment bugs meet.
  project=${repository##*/}
  project=${project,,}
  project=${project//[^a-z0-9_]/_}
  project=${project:0:64}
fi
[ -n "$project" ] || finish 1 "no --project given and no repository to derive it from"

[ -n "$step" ] || step='unknown'

infer_error_type() {
  local name=${1,,}
  name=${name//latest/}
  if [[ $name == *docker* ]]; then
    echo DockerBuildError
  elif [[ $name =~ (npm|yarn|pnpm) ]] && [[ $name == *build* ]]; then
    echo NpmBuildError
  elif [[ $name == *test* ]]; then
    echo TestFailure
  elif [[ $name == *lint* ]]; then
    echo LintError
  elif [[ $name == *deploy* ]]; then
    echo DeployError
  else
    echo CIError
  fi
}
[ -n "$error_type" ] || error_type=$(infer_error_type "$step")

tmp_dir=$(mktemp -d 2>/dev/null || mktemp -d -t log-center) || finish 1 "cannot create a temporary directory"
log_text="$tmp_dir/log.txt"
: >"$log_text"
log_cut=false
if [ -n "$log_file" ]; then
  if [ -f "$log_file" ] && [ -r "$log_file" ]; then
    esc=$'\033' bel=$'\a' cr=$'\r'
    tail -n "$max_lines" -- "$log_file" >"$tmp_dir/tail.txt" 2>/dev/null
    [ "$(wc -c <"$tmp_dir/tail.txt")" -gt "$max_raw_bytes" ] && log_cut=true
    # CSI sequences (colours, cursor), OSC sequences (titles, links), then any stray ESC;
    # a carriage return keeps only what a terminal would show last on that line.
    tail -c "$max_raw_bytes" "$tmp_dir/tail.txt" |
      LC_ALL=C sed -E \
        -e "s/${esc}\\[[0-?]*[ -\\/]*[@-~]//g" \
        -e "s/${esc}\\][^${bel}${esc}]*(${bel}|${esc}\\\\)//g" \
        -e "s/${esc}[()][0-9A-Za-z]//g" \
        -e "s/${esc}//g" \
        -e "s/${cr}+\$//" \
        -e "s/.*${cr}//" >"$log_text" 2>/dev/null ||
      notes+=("log file could not be read")
  else
    notes+=("log file $log_file not found")
  fi
fi

payload="$tmp_dir/report.json"
if ! jq -n \
  --arg project "$project" \
  --arg level "$level" \
  --arg error_type "$error_type" \
  --arg message "$message" \
  --arg environment "${LOG_CENTER_ENVIRONMENT:-ci}" \
  --arg workflow "$workflow" \
  --arg job_name "$job_name" \
  --arg step_name "$step" \
  --arg run_id "$run_id" \
  --arg run_number "$run_number" \
  --arg run_url "$run_url" \
  --arg commit_sha "$commit_sha" \
  --arg branch "$branch" \
  --arg repository "$repository" \
  --arg actor "$actor" \
  --rawfile log "$log_text" \
  --argjson log_cut "$log_cut" \
  --argjson max_lines "$max_lines" \
  --argjson max_bytes "$max_log_bytes" \
  '
  # The end of one string within $max UTF-8 bytes (a character is at most 4 bytes).
  def fit($max):
    if utf8bytelength > $max then .[((utf8bytelength - $max + 3) / 4 | floor):] | fit($max) else . end;
  # Whole lines from the end that fit in $max bytes; a single longer line keeps its end.
  def tail_bytes($max):
    reduce reverse[] as $line ({lines: [], room: $max, done: false};
      if .done then .
      else (($line | utf8bytelength) + (if .lines == [] then 0 else 1 end)) as $cost
        | if $cost <= .room then .room -= $cost | .lines = [$line] + .lines
          elif .lines == [] then .lines = [$line | fit($max)] | .done = true
          else .done = true end
      end)
    | .lines | join("\n");
  def drop_trailing_blank: if length > 0 and (last | test("^\\s*$")) then .[:-1] | drop_trailing_blank else . end;

  ($log | split("\n")
    | if $log_cut and length > 1 then .[1:] else . end
    | drop_trailing_blank
    | .[-$max_lines:]) as $lines
  | ($lines | tail_bytes($max_bytes)) as $log_tail
  | ([$lines[] | select(test("\\S"))] | last // "" | gsub("^\\s+|\\s+$"; "") | .[:300]) as $last_line
  | (if $message != "" then $message
     else "Step '\''\($step_name)'\'' failed"
       + (if $job_name != "" then " in job \($job_name)" else "" end)
       + (if $last_line != "" then ": \($last_line)" else "" end)
     end) as $summary
  | {
      project_id: $project,
      source: "cicd",
      level: $level,
      error_type: $error_type,
      message: $summary,
      environment: $environment,
      timestamp: (now | todate),
      context: ({
        workflow: $workflow, job_name: $job_name, step_name: $step_name,
        run_id: $run_id, run_number: $run_number, run_url: $run_url,
        commit_sha: $commit_sha, branch: $branch, repository: $repository, actor: $actor,
        log_tail: $log_tail
      } | with_entries(select(.value != "")))
    }
  ' >"$payload" 2>"$tmp_dir/jq.err"; then
  finish 1 "could not build the report: $(head -n 1 "$tmp_dir/jq.err")"
fi

url=${LOG_CENTER_URL:-}
key=${LOG_CENTER_API_KEY:-}
if [ -z "$url" ] || [ -z "$key" ]; then
  missing=()
  [ -n "$url" ] || missing+=(LOG_CENTER_URL)
  [ -n "$key" ] || missing+=(LOG_CENTER_API_KEY)
  finish 1 "${missing[*]} not set, the failure of step '$step' was not reported"
fi
endpoint="${url%/}/api/v1/logs/report"

# The key goes through stdin so that it never shows in the process list.
http_code=$(printf 'Authorization: Bearer %s\n' "$key" |
  curl -sS --max-time 10 -X POST \
    -H @- \
    -H 'Content-Type: application/json' \
    -H 'User-Agent: log-center-cicd-reporter/1' \
    --data-binary @"$payload" \
    -o "$tmp_dir/response.json" \
    -w '%{http_code}' \
    -- "$endpoint" 2>"$tmp_dir/curl.err")
curl_code=$?
if [ "$curl_code" -ne 0 ]; then
  reason=$(head -n 1 "$tmp_dir/curl.err")
  finish 1 "could not reach $endpoint: ${reason:-curl exit $curl_code}"
fi

case "$http_code" in
  2??)
    summary=$(jq -r '"bug \(.bug_id), " + (if .is_new then "new" else "seen \(.occurrence_count) times" end)' \
      "$tmp_dir/response.json" 2>/dev/null)
    finish 0 "reported $error_type in step '$step' of project $project: ${summary:-HTTP $http_code}"
    ;;
  *)
    detail=$(jq -r '.error.message // empty' "$tmp_dir/response.json" 2>/dev/null | head -n 1)
    finish 1 "Log Center answered HTTP $http_code${detail:+: $detail}"
    ;;
esac
