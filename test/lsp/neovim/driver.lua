-- Drives Neovim's built-in LSP client (Neovim 0.7's API: vim.lsp.start_client, buf_request_sync)
-- against `pnn lsp --stdio`, headless, as a user would: the client is started by the setup
-- snippet from docs/editors.md; the driver opens the flagship example and other files, and checks
-- diagnostics, hover, definition, completion, inlay hints, rename (applied), formatting (applied)
-- and live edits of a buffer. Each check's outcome goes to a JSON file that
-- test/lsp/neovim.test.ts reads. Environment: PNN_WS (a workspace with vowels_mzi.pnn, messy.pnn
-- and messy.expected; Neovim's cwd), PNN_RESULTS (the JSON file to write).
local ws, out = os.getenv("PNN_WS"), os.getenv("PNN_RESULTS")
local results, order = {}, {}
local function record(name, ok, detail)
  results[name] = { ok = ok and true or false, detail = detail or "" }
  table.insert(order, name)
end
local function finish()
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode({ version = vim.version(), results = results, order = order }))
  f:close()
  vim.cmd("qa!")
end

-- Watch what the server publishes and logs (for every client: set before any starts).
local published = {} -- uri -> { version, diagnostics }
local logs = {}
local on_diagnostics = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  published[result.uri] = { version = result.version, diagnostics = result.diagnostics }
  return on_diagnostics(err, result, ctx, config)
end
vim.lsp.handlers["window/logMessage"] = function(_, result)
  table.insert(logs, result)
end

-- The user's setup — the Neovim 0.7 snippet from docs/editors.md, run as init.lua (`-u`) —
-- starts the client when a .pnn buffer gets its filetype.
local client_id
local function open(name)
  vim.cmd("edit " .. vim.fn.fnameescape(ws .. "/" .. name))
  local buf = vim.api.nvim_get_current_buf()
  -- A client is listed once the server has answered `initialize`.
  vim.wait(15000, function()
    for _, c in pairs(vim.lsp.get_active_clients()) do
      if c.name == "pnn" then client_id = c.id end
    end
    return client_id ~= nil and vim.lsp.buf_is_attached(buf, client_id)
  end, 20)
  if not client_id or not vim.lsp.buf_is_attached(buf, client_id) then error("the snippet did not attach the pnn client to " .. name .. " (filetype '" .. vim.bo[buf].filetype .. "')") end
  return buf
end

--- The diagnostics for the buffer's current version, once the server has published them.
local function diagnostics_now(buf, timeout)
  local uri = vim.uri_from_bufnr(buf)
  local ok = vim.wait(timeout or 15000, function()
    local p = published[uri]
    return p ~= nil and p.version == vim.lsp.util.buf_versions[buf]
  end, 20)
  return ok and published[uri].diagnostics or nil
end

local function request(buf, method, params)
  local responses = vim.lsp.buf_request_sync(buf, method, params, 15000)
  local r = responses and responses[client_id]
  if not r then return nil, "no answer" end
  if r.err then return nil, vim.inspect(r.err) end
  return r.result
end

--- 0-based position of the first occurrence of `needle` (plus `skip` characters) in the buffer.
local function find(buf, needle, skip)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local s = line:find(needle, 1, true)
    if s then return { line = i - 1, character = s - 1 + (skip or 0) } end
  end
  error("not found: " .. needle)
end
local function at(buf, needle, skip)
  return { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = find(buf, needle, skip) }
end
local function text_of(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
end

local function check(name, fn)
  local ok, err = pcall(fn)
  if not ok then record(name, false, tostring(err)) end
end

local flagship
local started = pcall(function() flagship = open("vowels_mzi.pnn") end)
if not started then
  local ok, err = pcall(open, "vowels_mzi.pnn")
  record("start", ok, tostring(err))
  return finish()
end
check("diagnostics", function()
  local d = diagnostics_now(flagship)
  record("diagnostics", d ~= nil and #d == 0, d and vim.inspect(d) or "none published")
end)

check("hover", function()
  local h = request(flagship, "textDocument/hover", at(flagship, "NoisyMesh(n: modes)"))
  local mesh = request(flagship, "textDocument/hover", at(flagship, "mzi_mesh("))
  local v1 = h and h.contents and h.contents.value or ""
  local v2 = mesh and mesh.contents and mesh.contents.value or ""
  record("hover", v1:find("layer NoisyMesh", 1, true) ~= nil and v2:find("Clements", 1, true) ~= nil, v1 .. " || " .. v2)
end)

check("definition", function()
  local loc = request(flagship, "textDocument/definition", at(flagship, "NoisyMesh(n: modes)"))
  if loc and loc[1] then loc = loc[1] end
  local line = loc and loc.range and loc.range.start.line
  record("definition", line == find(flagship, "layer NoisyMesh").line, vim.inspect(loc))
end)

check("inlay hints", function()
  local hints = request(flagship, "textDocument/inlayHint", { textDocument = { uri = vim.uri_from_bufnr(flagship) }, range = { start = { line = 0, character = 0 }, ["end"] = { line = 60, character = 0 } } })
  local labels = {}
  for _, h in ipairs(hints or {}) do table.insert(labels, h.label) end
  record("inlay hints", vim.tbl_contains(labels, ": complex[12]") and vim.tbl_contains(labels, ": real[7]"), table.concat(labels, " "))
end)

check("completion", function()
  local buf = open("complete.pnn")
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { 'import optics from "std/optics"', "network N {", "  input x: real[4]", "  y = x |> optics.", "}" })
  diagnostics_now(buf)
  local r = request(buf, "textDocument/completion", at(buf, "optics.", 7))
  local items = r and (r.items or r) or {}
  local labels = {}
  for _, it in ipairs(items) do labels[it.label] = true end
  record("completion", labels["mzi_mesh"] == true and labels["photodetect"] == true and labels["dense"] == nil, vim.inspect(vim.tbl_keys(labels)))
end)

check("rename", function()
  vim.cmd("buffer " .. flagship)
  local edit = request(flagship, "textDocument/rename", vim.tbl_extend("force", at(flagship, "const modes"  , 6), { newName = "n_modes" }))
  vim.lsp.util.apply_workspace_edit(edit, "utf-16")
  local text = text_of(flagship)
  local d = diagnostics_now(flagship)
  local code = text:gsub("//[^\n]*", "") -- the header comment mentions "modes" in prose
  local stale = code:find("%f[%w_]modes%f[^%w_]") -- a use left behind
  record("rename", text:find("const n_modes = 12", 1, true) ~= nil and not stale and d ~= nil and #d == 0, (stale and "left: " .. code:sub(stale - 20, stale + 20) or "") .. vim.inspect(d))
end)

check("formatting", function()
  local buf = open("messy.pnn")
  diagnostics_now(buf)
  local edits = request(buf, "textDocument/formatting", { textDocument = { uri = vim.uri_from_bufnr(buf) }, options = { tabSize = 2, insertSpaces = true } })
  vim.lsp.util.apply_text_edits(edits, buf, "utf-16")
  local f = io.open(ws .. "/messy.expected")
  local expected = f:read("*a")
  f:close()
  record("formatting", text_of(buf) == expected, text_of(buf))
end)

check("edit", function()
  vim.cmd("buffer " .. flagship)
  local pos = find(flagship, "take(classes)")
  -- Type a mistake into the line (an incremental didChange), then undo it.
  vim.api.nvim_buf_set_text(flagship, pos.line, pos.character, pos.line, pos.character + 4, { "tak" })
  local broken = diagnostics_now(flagship) or {}
  local said = broken[1] and (broken[1].code .. " " .. broken[1].message) or "none"
  vim.cmd("undo")
  local fixed = diagnostics_now(flagship)
  record("edit", #broken == 1 and broken[1].code == "PNN2001" and broken[1].range.start.line == pos.line and fixed ~= nil and #fixed == 0, said .. " / after undo: " .. vim.inspect(fixed))
end)

check("server log", function()
  local errors = {}
  for _, l in ipairs(logs) do if l.type == 1 then table.insert(errors, l.message) end end
  record("server log", #errors == 0, table.concat(errors, "\n"))
end)

vim.lsp.stop_client(client_id)
finish()
