-- Minimal Neovim setup for test/lsp/neovim.test.ts (Neovim 0.7+): .pnn files get the `pnn`
-- filetype. The same two lines go into a user's init.lua (docs/editors.md).
vim.g.do_filetype_lua = 1
vim.filetype.add({ extension = { pnn = "pnn" } })
vim.o.swapfile = false
