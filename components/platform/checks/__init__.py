"""Start-up checks: pure functions of the validated settings that refuse a stack before anything is declared."""
